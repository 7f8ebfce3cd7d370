import type { TrellisDatabase } from '@trellis/db'
import { toCount } from '@trellis/db'
import { TRPCError } from '@trpc/server'
import type { AuthConfig } from './auth-config.js'

export interface LoginSubjects {
  readonly account: string
  readonly address: string | undefined
}

const subjectsOf = ({ account, address }: LoginSubjects) => [
  `email:${account.toLowerCase()}`,
  ...(address ? [`ip:${address}`] : []),
]

/** Refuses with TOO_MANY_REQUESTS while an account or an address has failed too often lately. */
export async function assertLoginAllowed(
  db: TrellisDatabase,
  subjects: LoginSubjects,
  config: AuthConfig,
): Promise<number> {
  const since = new Date(Date.now() - config.loginWindowMinutes * 60_000)
  const rows = await db
    .selectFrom('login_failures')
    .select(['subject', (eb) => eb.fn.countAll().as('failures')])
    .where('subject', 'in', subjectsOf(subjects))
    .where('failed_at', '>', since)
    .groupBy('subject')
    .execute()
  let accountFailures = 0
  for (const row of rows) {
    const failures = toCount(row.failures as string | number)
    const isAccount = row.subject.startsWith('email:')
    if (isAccount) accountFailures = failures
    const limit = isAccount ? config.loginMaxFailuresPerAccount : config.loginMaxFailuresPerAddress
    if (failures >= limit) {
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'Too many failed logins: try again later' })
    }
  }
  return accountFailures
}

/** Counts a failed login against the account and the address, and forgets old failures. */
export async function recordLoginFailure(
  db: TrellisDatabase,
  subjects: LoginSubjects,
  config: AuthConfig,
): Promise<void> {
  await db
    .insertInto('login_failures')
    .values(subjectsOf(subjects).map((subject) => ({ subject })))
    .execute()
  const expired = new Date(Date.now() - config.loginWindowMinutes * 60_000)
  await db.deleteFrom('login_failures').where('failed_at', '<', expired).execute()
}

/** A successful login forgives the account's failures (not the address's). */
export async function clearAccountFailures(db: TrellisDatabase, account: string): Promise<void> {
  await db.deleteFrom('login_failures').where('subject', '=', `email:${account.toLowerCase()}`).execute()
}

/** Each failure makes the next answer slower, up to two seconds: brute force gets expensive. */
export function failureDelayMs(previousFailures: number): number {
  return Math.min(2000, 200 * (previousFailures + 1))
}
