import { MAX_PARTIES_PER_RECORD, type PartyDefinition } from '@trellis/core'
import { type StoredEntityType, type TrellisDatabase, userWithinLevel } from '@trellis/db'
import type { RecordGate } from '../trpc/record-gate.js'
import { userNotFound } from '../users/user-errors.js'
import { invalidParties } from './record-errors.js'
import type { RecordView } from './record-view.js'

// A record's parties (migration 0013): users it involves besides its owner, under the names
// its type declares. Direct parties are given by the writer; derived ones follow a reference.

type Parties = RecordView['parties']

const hasParties = (type: Pick<StoredEntityType, 'parties'>) => Object.keys(type.parties ?? {}).length > 0

/** The parties of each record, by record id; only records of types with parties are looked up. */
export async function loadParties(
  db: TrellisDatabase,
  records: readonly { readonly id: string; readonly type: Pick<StoredEntityType, 'parties'> }[],
): Promise<Map<string, Parties>> {
  const ids = records.filter(({ type }) => hasParties(type)).map(({ id }) => id)
  const parties = new Map<string, Record<string, string[]>>(ids.map((id) => [id, {}]))
  if (ids.length === 0) return parties
  const rows = await db
    .selectFrom('record_parties')
    .select(['record_id', 'party', 'user_id'])
    .where('record_id', 'in', ids)
    .orderBy('record_id')
    .orderBy('party')
    .orderBy('created_at')
    .orderBy('user_id')
    .execute()
  for (const row of rows) {
    const byName = parties.get(row.record_id)!
    byName[row.party] = [...(byName[row.party] ?? []), row.user_id]
  }
  return parties
}

/** `loadParties` for one record. */
export async function partiesOf(
  db: TrellisDatabase,
  id: string,
  type: Pick<StoredEntityType, 'parties'>,
): Promise<Parties> {
  return (await loadParties(db, [{ id, type }])).get(id) ?? {}
}

/**
 * The definition of a party the writer names, which must be one given as users; anything
 * else is BAD_REQUEST at `path`.
 */
export function directParty(
  type: StoredEntityType,
  party: string,
  path: (string | number)[],
): PartyDefinition {
  const parties = type.parties ?? {}
  const definition = Object.hasOwn(parties, party) ? parties[party] : undefined
  if (!definition) {
    throw invalidParties([
      { code: 'unknown_party', path, message: `${type.name} records have no party ${party}` },
    ])
  }
  if (definition.from !== 'users') {
    throw invalidParties([
      {
        code: 'derived_party',
        path,
        message: `${party} is the owner of the record in ${definition.from.reference}: set that field instead`,
      },
    ])
  }
  return definition
}

/**
 * NOT_FOUND unless the writer reads every one of `userIds` (`users.read` within its level),
 * like any other user it cannot see. The rows stay locked (FOR SHARE) until the call ends,
 * so a user deleted meanwhile waits for the party row, which its deletion then removes.
 */
export async function assertReadableUsers(
  db: TrellisDatabase,
  access: RecordGate,
  userIds: readonly string[],
): Promise<void> {
  const unique = [...new Set(userIds)]
  if (unique.length === 0) return
  const grant = access.usersReadGrant()
  if (!grant) throw userNotFound()
  const found = await db
    .selectFrom('users')
    .select('users.id')
    .where('users.id', 'in', unique)
    .where(userWithinLevel('users', grant.actor, grant.level))
    .forShare()
    .execute()
  if (found.length !== unique.length) throw userNotFound()
}

/** BAD_REQUEST when a record would have more than MAX_PARTIES_PER_RECORD party rows. */
function assertWithinCap(count: number, path: (string | number)[]): void {
  if (count <= MAX_PARTIES_PER_RECORD) return
  throw invalidParties([
    { code: 'too_big', path, message: `a record has at most ${MAX_PARTIES_PER_RECORD} parties` },
  ])
}

/** Checks the direct parties a new record is created with: known names, users given, readable users. */
export async function assertNewParties(
  db: TrellisDatabase,
  access: RecordGate,
  type: StoredEntityType,
  parties: Readonly<Record<string, readonly string[]>>,
): Promise<void> {
  let count = 0
  for (const [party, userIds] of Object.entries(parties)) {
    directParty(type, party, ['parties', party])
    count += new Set(userIds).size
  }
  assertWithinCap(count, ['parties'])
  await assertReadableUsers(db, access, Object.values(parties).flat())
}

/** Stores the direct parties of a record just created (checked by `assertNewParties`). */
export async function insertParties(
  db: TrellisDatabase,
  recordId: string,
  parties: Readonly<Record<string, readonly string[]>>,
): Promise<void> {
  const rows = Object.entries(parties).flatMap(([party, userIds]) =>
    [...new Set(userIds)].map((user_id) => ({ record_id: recordId, party, user_id })),
  )
  if (rows.length > 0) await db.insertInto('record_parties').values(rows).execute()
}

/**
 * Keeps each derived party (`from: { reference }`) the owner of the record its field names,
 * for the fields this write changes: the reference was checked readable by the writer
 * (`assertRecordData`), its owner need not be. The referenced record is read FOR SHARE so an
 * owner change racing the write waits for it, or the write for the change.
 */
export async function syncDerivedParties(
  db: TrellisDatabase,
  type: StoredEntityType,
  recordId: string,
  data: Record<string, unknown>,
  previous: Record<string, unknown>,
): Promise<void> {
  for (const [party, definition] of Object.entries(type.parties ?? {})) {
    if (definition.from === 'users') continue
    const field = definition.from.reference
    const value = Object.hasOwn(data, field) ? data[field] : undefined
    const before = Object.hasOwn(previous, field) ? previous[field] : undefined
    if (value === before) continue
    await db
      .deleteFrom('record_parties')
      .where('record_id', '=', recordId)
      .where('party', '=', party)
      .execute()
    if (typeof value !== 'string') continue
    const referenced = await db
      .selectFrom('records')
      .select('records.owner_id')
      .where('records.id', '=', value)
      .forShare()
      .executeTakeFirst()
    if (!referenced) continue
    await db
      .insertInto('record_parties')
      .values({ record_id: recordId, party, user_id: referenced.owner_id })
      .execute()
  }
}

/** One user of one party of one record, as `records.addParty` and `records.removeParty` take it. */
export interface PartyChange {
  readonly id: string
  readonly party: string
  readonly userId: string
}

/**
 * Adds one user to a direct party of a record locked by the caller (`findRecordFor` with
 * `lock`), so two adds to one record take turns: the count below is exact, and adding a
 * user twice stores it once.
 */
export async function addParty(
  db: TrellisDatabase,
  access: RecordGate,
  type: StoredEntityType,
  { id: recordId, party, userId }: PartyChange,
): Promise<void> {
  directParty(type, party, ['party'])
  await assertReadableUsers(db, access, [userId])
  const rows = await db
    .selectFrom('record_parties')
    .select(['party', 'user_id'])
    .where('record_id', '=', recordId)
    .execute()
  if (rows.some((row) => row.party === party && row.user_id === userId)) return
  assertWithinCap(rows.length + 1, ['userId'])
  await db.insertInto('record_parties').values({ record_id: recordId, party, user_id: userId }).execute()
}

/** Removes one user from a direct party of a locked record; removing an absent one changes nothing. */
export async function removeParty(
  db: TrellisDatabase,
  _access: RecordGate,
  type: StoredEntityType,
  { id: recordId, party, userId }: PartyChange,
): Promise<void> {
  directParty(type, party, ['party'])
  await db
    .deleteFrom('record_parties')
    .where('record_id', '=', recordId)
    .where('party', '=', party)
    .where('user_id', '=', userId)
    .execute()
}
