import { LEVELS, moveWouldCreateCycle, subtreeOf, visibleOwners } from '@trellis/core'
import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toCount } from '../count.js'
import type { TrellisDatabase } from '../schema/database.js'
import { clearUsers, createTestDatabase, type TestDatabase, testEntityTypeId } from '../testing/index.js'
import { walkRecordPages } from '../testing/walk-record-pages.js'
import { deleteUser } from '../tree/delete-user.js'
import { insertUser } from '../tree/insert-user.js'
import { moveSubtree } from '../tree/move-subtree.js'
import { type CountedParties, recordPartyWithinLevel, recordWithinLevel } from './level-filter.js'

// The party-aware record filter against the tree oracle: a record is visible at a level when
// its owner or any counted party is within it, a party reaching members counting its whole
// subtree. Random trees, owners, parties, moves and deletions; sibling of
// level-filter.property.test.ts, smaller so both stay well under a minute on PGlite.
const NUM_RUNS = 30
const MAX_USERS = 90
const MAX_RECORDS = 120
const PAGE_SIZE = 6

/** `payee` counts as its user, `org` as its user's subtree, `watcher` is never counted. */
const COUNTED: CountedParties = { users: ['payee'], members: ['org'] }
const PARTY_NAMES = ['payee', 'org', 'watcher'] as const
type PartyName = (typeof PARTY_NAMES)[number]

interface Scenario {
  readonly parents: readonly (number | null)[]
  readonly records: readonly {
    readonly owner: number
    readonly minute: number
    readonly parties: readonly { readonly party: PartyName; readonly user: number }[]
  }[]
  readonly steps: readonly {
    readonly move: { readonly user: number; readonly parent: number | null } | null
    readonly remove: number | null
    readonly actors: readonly number[]
  }[]
}

const scenario: fc.Arbitrary<Scenario> = fc
  .tuple(fc.integer({ min: 1, max: MAX_USERS }), fc.integer({ min: 0, max: MAX_RECORDS }))
  .chain(([size, recordCount]) =>
    fc.record({
      // Each user hangs under an earlier one or is a root.
      parents: fc
        .array(fc.option(fc.nat(), { freq: 8 }), { minLength: size - 1, maxLength: size - 1 })
        .map((picks) => [null, ...picks.map((pick, offset) => (pick === null ? null : pick % (offset + 1)))]),
      records: fc.array(
        fc.record({
          owner: fc.nat(),
          minute: fc.nat({ max: 4 }),
          parties: fc.array(fc.record({ party: fc.constantFrom(...PARTY_NAMES), user: fc.nat() }), {
            maxLength: 3,
          }),
        }),
        { minLength: recordCount, maxLength: recordCount },
      ),
      steps: fc.array(
        fc.record({
          move: fc.option(fc.record({ user: fc.nat(), parent: fc.option(fc.nat(), { freq: 6 }) }), {
            freq: 2,
          }),
          remove: fc.option(fc.nat(), { freq: 4 }),
          actors: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    }),
  )

interface StoredRecord {
  owner: string
  readonly parties: { readonly party: PartyName; readonly user: string }[]
}

/** The oracle: the users a record involves, as the level filter must count them. */
function involvedUsers(tree: ReadonlyMap<string, string | null>, record: StoredRecord): Set<string> {
  const involved = new Set([record.owner])
  for (const { party, user } of record.parties) {
    if (party === 'payee') involved.add(user)
    if (party === 'org') for (const member of subtreeOf(tree, user)) involved.add(member)
  }
  return involved
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort()

async function expectMatchesOracle(
  db: TrellisDatabase,
  tree: ReadonlyMap<string, string | null>,
  records: ReadonlyMap<string, StoredRecord>,
  actorId: string,
) {
  const actor = await db
    .selectFrom('users')
    .select(['id', 'path'])
    .where('id', '=', actorId)
    .executeTakeFirstOrThrow()
  for (const level of LEVELS) {
    const reach = visibleOwners(tree, actorId, level)
    const expected = sorted(
      [...records]
        .filter(([, record]) => [...involvedUsers(tree, record)].some((user) => reach.has(user)))
        .map(([id]) => id),
    )
    const rows = await db
      .selectFrom('records')
      .select('id')
      .where(recordWithinLevel(actor, level, COUNTED))
      .execute()
    expect(sorted(rows.map((row) => row.id)), `records at ${level}`).toEqual(expected)
    const { count } = await db
      .selectFrom('records')
      .select((eb) => eb.fn.countAll().as('count'))
      .where(recordWithinLevel(actor, level, COUNTED))
      .executeTakeFirstOrThrow()
    expect(toCount(count), `count at ${level}`).toBe(expected.length)
    for (const walk of [false, true]) {
      const walked = await walkRecordPages(db, recordWithinLevel(actor, level, COUNTED), walk, PAGE_SIZE)
      expect(walked.length, `pages repeat nothing at ${level} (walk: ${walk})`).toBe(new Set(walked).size)
      expect(sorted(walked), `pages at ${level} (walk: ${walk})`).toEqual(expected)
    }
  }
}

/** Party rows whose user_path is not their user's path: none, if moves keep the column. */
async function staleParties(db: TrellisDatabase) {
  const { rows } = await sql`
    select p.record_id from record_parties p join users u on u.id = p.user_id where p.user_path <> u.path
  `.execute(db)
  return rows
}

describe('the party-aware record filter against the tree oracle', () => {
  let test: TestDatabase
  beforeAll(async () => {
    test = await createTestDatabase()
  })
  afterAll(() => test.dispose())

  it('selects exactly the records whose owner or a counted party is within the level, across moves and deletions', async () => {
    let runs = 0
    let partyRows = 0
    let moves = 0
    let deletions = 0
    await fc.assert(
      fc.asyncProperty(scenario, async ({ parents, records, steps }) => {
        runs += 1
        const { db } = test
        await clearUsers(db)
        await sql`select setval(pg_get_serial_sequence('users', 'node'), 1, false)`.execute(db)
        const ids = await db.transaction().execute(async (trx) => {
          const inserted: string[] = []
          for (const [i, parent] of parents.entries()) {
            const user = await insertUser(trx, {
              email: `p${runs}-${i}@example.com`,
              kind: 'person',
              status: 'active',
              parent_id: parent === null ? null : inserted[parent]!,
            })
            inserted.push(user.id)
          }
          return inserted
        })
        const tree = new Map<string, string | null>(
          parents.map((parent, i) => [ids[i]!, parent === null ? null : ids[parent]!]),
        )
        const live = [...ids]
        const stored = new Map<string, StoredRecord>()
        const entityTypeId = await testEntityTypeId(db)
        const base = Date.UTC(2024, 0, 1)
        for (const record of records) {
          const row = await db
            .insertInto('records')
            .values({
              owner_id: ids[record.owner % ids.length]!,
              entity_type_id: entityTypeId,
              created_at: new Date(base + record.minute * 60_000),
            })
            .returning(['id', 'owner_id'])
            .executeTakeFirstOrThrow()
          const parties = new Map(
            record.parties.map(({ party, user }) => {
              const userId = ids[user % ids.length]!
              return [`${party}:${userId}`, { party, user: userId }]
            }),
          )
          if (parties.size > 0) {
            await db
              .insertInto('record_parties')
              .values(
                [...parties.values()].map(({ party, user }) => ({ record_id: row.id, party, user_id: user })),
              )
              .execute()
            partyRows += parties.size
          }
          stored.set(row.id, { owner: row.owner_id, parties: [...parties.values()] })
        }

        for (const step of steps) {
          if (step.move) {
            const userId = live[step.move.user % live.length]!
            const parentId = step.move.parent === null ? null : live[step.move.parent % live.length]!
            if (parentId === null || !moveWouldCreateCycle(tree, userId, parentId)) {
              moves += 1
              await db.transaction().execute((trx) => moveSubtree(trx, userId, parentId))
              tree.set(userId, parentId)
              expect(await staleParties(db)).toEqual([])
            }
          }
          const removed = step.remove === null ? undefined : live[step.remove % live.length]!
          const heirId = removed === undefined ? null : tree.get(removed)!
          if (removed !== undefined && heirId !== null) {
            deletions += 1
            await db.transaction().execute((trx) => deleteUser(trx, removed))
            // The user's party rows go; its records and children go to the heir.
            for (const record of stored.values()) {
              if (record.owner === removed) record.owner = heirId
              record.parties.splice(
                0,
                record.parties.length,
                ...record.parties.filter((p) => p.user !== removed),
              )
            }
            for (const [child, parent] of tree) if (parent === removed) tree.set(child, heirId)
            tree.delete(removed)
            live.splice(live.indexOf(removed), 1)
          }
          for (const actor of step.actors)
            await expectMatchesOracle(db, tree, stored, live[actor % live.length]!)
        }
      }),
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: 180_000 },
    )
    // Guards the generator: a property that never had parties, moves or deletions proves little.
    expect(runs).toBeGreaterThanOrEqual(NUM_RUNS)
    expect(partyRows).toBeGreaterThan(0)
    expect(moves).toBeGreaterThan(0)
    expect(deletions).toBeGreaterThan(0)
  }, 240_000)

  it('compiles to the owner filter alone when no party counts', () => {
    const actor = { id: '00000000-0000-0000-0000-000000000001', path: '/1/2/' }
    const compile = (parties: CountedParties) =>
      test.db
        .selectFrom('records')
        .select('id')
        .where(recordWithinLevel(actor, 'OWNED', parties))
        .compile().sql
    expect(compile({ users: [], members: [] })).not.toContain('record_parties')
    expect(compile({ users: ['payee'], members: [] })).toContain('record_parties')
    // Nor is there a party half for a records page to read apart (list-records.ts).
    expect(recordPartyWithinLevel(actor, 'OWNED', { users: [], members: [] })).toBeUndefined()
    expect(recordPartyWithinLevel(actor, 'ALL', { users: ['payee'], members: ['org'] })).toBeUndefined()
    expect(recordPartyWithinLevel(actor, 'SELF', { users: ['payee'], members: [] })).toBeDefined()
  })
})
