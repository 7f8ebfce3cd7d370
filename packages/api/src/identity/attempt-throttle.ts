import { type TrellisDatabase, toCount } from '@trellis/db'
import { sql } from 'kysely'
import type { AuthConfig } from './auth-config.js'
import { tooManyAttempts } from './identity-errors.js'

/** What attempts are counted against (`email:…`, `ip:…`, `token:…`) and how many may fail in the window. */
export interface ThrottleSubject {
  readonly key: string
  readonly limit: number
}

/** Attempts one call reserved: each counts as a failure unless released. */
export interface Reservation {
  readonly ids: readonly string[]
  /** Failures of the first subject within the window before this attempt (for the delay). */
  readonly previousFailures: number
}

// The first key of pg_advisory_xact_lock(int, int): keeps these locks apart from others.
const THROTTLE_LOCK_SPACE = 0x7431_0001

/** Serialises, until the transaction ends, every change to one subject's attempts. */
async function lockSubject(trx: TrellisDatabase, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${THROTTLE_LOCK_SPACE}, hashtext(${key}))`.execute(trx)
}

/**
 * Reserves one attempt against every subject, or refuses with TOO_MANY_REQUESTS when one
 * has reached its limit within the window. Call it BEFORE checking a secret, on the root
 * database: the reservation commits before it returns, so concurrent attempts (a batch,
 * parallel requests, several instances) see it, and no subject gets more than `limit`
 * checks per window. A per-subject advisory lock makes count-then-insert atomic.
 *
 * @example
 * const reservation = await reserveAttempt(db, [{ key: 'email:a@b.c', limit: 5 }], 15)
 * if (await verifyPassword(hash, password)) await releaseAttempt(db, reservation)
 */
export async function reserveAttempt(
  db: TrellisDatabase,
  subjects: readonly ThrottleSubject[],
  windowMinutes: number,
): Promise<Reservation> {
  if (db.isTransaction)
    throw new Error('reserveAttempt must commit on its own: call it outside a transaction')
  const since = new Date(Date.now() - windowMinutes * 60_000)
  const keys = subjects.map((subject) => subject.key)
  const reservation = await db.transaction().execute(async (trx) => {
    // Sorted, so two calls locking the same subjects never wait on each other in a cycle.
    for (const key of [...keys].sort()) await lockSubject(trx, key)
    const rows = await trx
      .selectFrom('login_failures')
      .select(['subject', (eb) => eb.fn.countAll().as('failures')])
      .where('subject', 'in', keys)
      .where('failed_at', '>', since)
      .groupBy('subject')
      .execute()
    const failures = new Map(rows.map((row) => [row.subject, toCount(row.failures as string | number)]))
    if (subjects.some((subject) => (failures.get(subject.key) ?? 0) >= subject.limit)) throw tooManyAttempts()
    const inserted = await trx
      .insertInto('login_failures')
      .values(keys.map((subject) => ({ subject })))
      .returning('id')
      .execute()
    return { ids: inserted.map((row) => row.id), previousFailures: failures.get(keys[0]!) ?? 0 }
  })
  await db.deleteFrom('login_failures').where('failed_at', '<', since).execute()
  return reservation
}

/** Gives back a reservation: the attempt succeeded and counts as no failure. */
export async function releaseAttempt(db: TrellisDatabase, reservation: Reservation): Promise<void> {
  if (reservation.ids.length === 0) return
  await db
    .deleteFrom('login_failures')
    .where('id', 'in', [...reservation.ids])
    .execute()
}

/** A login counts against its account and its client address. */
export function loginSubjects(account: string, address: string | undefined, config: AuthConfig) {
  return [
    { key: `email:${account.toLowerCase()}`, limit: config.loginMaxFailuresPerAccount },
    ...(address ? [{ key: `ip:${address}`, limit: config.loginMaxFailuresPerAddress }] : []),
  ]
}

/**
 * A successful login forgives the account's failures (not the address's). Call it in the
 * login's transaction before anything else touches the attempts: the subject's lock makes
 * two successful logins of one account take turns (each deletes the other's reservation,
 * and without the lock they deadlocked on PostgreSQL).
 */
export async function clearAccountFailures(trx: TrellisDatabase, account: string): Promise<void> {
  const subject = `email:${account.toLowerCase()}`
  await lockSubject(trx, subject)
  await trx.deleteFrom('login_failures').where('subject', '=', subject).execute()
}

/** Each failure makes the next answer slower, up to two seconds: brute force gets expensive. */
export function failureDelayMs(previousFailures: number): number {
  return Math.min(2000, 200 * (previousFailures + 1))
}
