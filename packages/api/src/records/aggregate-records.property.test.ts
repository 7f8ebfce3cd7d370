import { randomUUID } from 'node:crypto'
import { LEVELS, type Level, subtreeOf, visibleOwners } from '@trellis/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { entityTypeIdOf } from '../testing/entity-type-id.js'
import { insertGeneratedTree } from '../testing/generated-tree.js'
import type { AggregateGroup, AggregateTotals, GroupKey } from './aggregate-records.js'

// records.aggregate against the in-memory oracle (`visibleOwners`, as the level filter's
// own property test uses it): random trees, records with random numbers, owners and
// parties, a random caller at a random level, grouped at random. A record is visible when
// its owner or a `payee` is; `watcher`s never count for reading. Each run has an entity
// type of its own, so earlier runs' records never count.
const NUM_RUNS = 30
const MAX_USERS = 30
const MAX_RECORDS = 80
const CATEGORIES = ['a', 'b', 'c'] as const
const BASE = Date.UTC(2026, 0, 26, 5) // a Monday, early morning
const HOUR = 3_600_000

const PARTIES = ['payee', 'watcher'] as const
type PartyName = (typeof PARTIES)[number]

type GroupBy = { field: 'cat' } | { bucket: 'day' | 'week' | 'month' } | { party: PartyName } | undefined

interface GeneratedRecord {
  readonly owner: number
  /** amount = cents / 100, so the oracle sums whole numbers and divides once, as SQL's exact sum rounds once. */
  readonly cents: number | null
  readonly qty: number | null
  readonly cat: (typeof CATEGORIES)[number] | null
  readonly hour: number
  readonly parties: readonly { readonly party: PartyName; readonly user: number }[]
}

interface Query {
  readonly caller: number
  readonly level: Level
  readonly groupBy: GroupBy
  readonly subtree: number | null
}

const scenario = fc.integer({ min: 1, max: MAX_USERS }).chain((size) =>
  fc.record({
    // Parent of run user i: an earlier run user, or (-1) the administrator.
    parents: fc.tuple(...Array.from({ length: size }, (_, i) => fc.integer({ min: -1, max: i - 1 }))),
    records: fc.array(
      fc.record({
        owner: fc.nat({ max: size - 1 }),
        cents: fc.option(fc.integer({ min: -10_000_000, max: 10_000_000 }), { freq: 6 }),
        qty: fc.option(fc.integer({ min: -1000, max: 1000 }), { freq: 3 }),
        cat: fc.option(fc.constantFrom(...CATEGORIES), { freq: 4 }),
        // Two months of hours: days, weeks and months all split.
        hour: fc.nat({ max: 24 * 62 }),
        parties: fc.array(
          fc.record({ party: fc.constantFrom(...PARTIES), user: fc.nat({ max: size - 1 }) }),
          { maxLength: 3 },
        ),
      }),
      { maxLength: MAX_RECORDS },
    ),
    queries: fc.array(
      fc.record({
        caller: fc.nat({ max: size - 1 }),
        level: fc.constantFrom(...LEVELS),
        groupBy: fc.constantFrom<GroupBy>(
          undefined,
          { field: 'cat' },
          { bucket: 'day' },
          { bucket: 'week' },
          { bucket: 'month' },
          { party: 'payee' },
          { party: 'watcher' },
        ),
        subtree: fc.option(fc.nat({ max: size - 1 }), { freq: 3 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
)

/** The start of the record's bucket, as SQL's date_trunc in UTC gives it. */
function bucketOf(time: number, bucket: 'day' | 'week' | 'month'): string {
  const date = new Date(time)
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())
  if (bucket === 'day') return new Date(day).toISOString()
  if (bucket === 'month')
    return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)).toISOString()
  const sinceMonday = (date.getUTCDay() + 6) % 7
  return new Date(day - sinceMonday * 24 * HOUR).toISOString()
}

/** Totals the plain way: whole cents summed, divided once. */
function totalsOf(records: readonly GeneratedRecord[]): AggregateTotals {
  const cents = records.flatMap((record) => (record.cents === null ? [] : [record.cents]))
  const qty = records.flatMap((record) => (record.qty === null ? [] : [record.qty]))
  const some = (values: number[], total: (values: number[]) => number, scale = 1) =>
    values.length === 0 ? null : total(values) / scale
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
  return {
    count: records.length,
    sum: { amount: some(cents, sum, 100), qty: some(qty, sum) },
    min: { amount: some(cents, (values) => Math.min(...values), 100) },
    max: { qty: some(qty, (values) => Math.max(...values)) },
  }
}

const byKey = (groups: readonly AggregateGroup[]) =>
  [...groups].sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)))

describe('records.aggregate against the in-memory oracle', () => {
  let h: ApiHarness
  beforeAll(async () => {
    h = await createApiHarness()
  })
  afterAll(() => h.dispose())

  it('equals the totals computed from the oracle’s visible records, at every level, grouped or not', async () => {
    let runs = 0
    let nonEmpty = 0
    const admin = () => h.callAs(h.adminId)
    await fc.assert(
      fc.asyncProperty(scenario, async ({ parents, records, queries }) => {
        runs += 1
        const db = h.database.db
        const typeName = `items${runs}`
        await admin().entityTypes.create({
          name: typeName,
          schema: {
            type: 'object',
            properties: { amount: { type: 'number' }, qty: { type: 'integer' }, cat: { type: 'string' } },
          },
          parties: { payee: { from: 'users' }, watcher: { from: 'users', actions: ['update'] } },
        })
        const ids = await insertGeneratedTree(db, parents, h.adminId, `r${runs}`)
        const typeId = await entityTypeIdOf(db, typeName)
        const recordIds = records.map(() => randomUUID())
        /** The users of one party of a record, each once, as its party rows hold them. */
        const partyUsers = (record: GeneratedRecord, party: PartyName) => [
          ...new Set(record.parties.filter((row) => row.party === party).map((row) => ids[row.user]!)),
        ]
        if (records.length > 0) {
          await db
            .insertInto('records')
            .values(
              records.map((record, index) => ({
                id: recordIds[index]!,
                entity_type_id: typeId,
                owner_id: ids[record.owner]!,
                created_at: new Date(BASE + record.hour * HOUR),
                data: JSON.stringify({
                  ...(record.cents === null ? {} : { amount: record.cents / 100 }),
                  ...(record.qty === null ? {} : { qty: record.qty }),
                  ...(record.cat === null ? {} : { cat: record.cat }),
                }),
              })),
            )
            .execute()
        }
        const partyRows = records.flatMap((record, index) =>
          PARTIES.flatMap((party) =>
            partyUsers(record, party).map((user_id) => ({ record_id: recordIds[index]!, party, user_id })),
          ),
        )
        if (partyRows.length > 0) await db.insertInto('record_parties').values(partyRows).execute()
        const users = await db.selectFrom('users').select(['id', 'parent_id']).execute()
        const tree = new Map(users.map((user) => [user.id, user.parent_id]))

        const callers = new Set<number>()
        for (const query of queries as Query[]) {
          // One read grant per caller on this run's type: a second would widen the first.
          if (callers.has(query.caller)) continue
          callers.add(query.caller)
          const callerId = ids[query.caller]!
          await h.grant(callerId, { [`${typeName}.read`]: query.level })
          const visible = visibleOwners(tree, callerId, query.level)
          const rootId = query.subtree === null ? undefined : ids[query.subtree]!
          // A subtree root the level does not reach gives nothing, like an unknown one.
          const inSubtree =
            rootId === undefined
              ? undefined
              : visible.has(rootId)
                ? subtreeOf(tree, rootId)
                : new Set<string>()
          // The level reaches the owner or a payee; subtreeOf narrows by owner alone.
          const matched = records.filter(
            (record) =>
              (visible.has(ids[record.owner]!) ||
                partyUsers(record, 'payee').some((user) => visible.has(user))) &&
              (!inSubtree || inSubtree.has(ids[record.owner]!)),
          )
          if (matched.length > 0) nonEmpty += 1

          const result = await h.callAs(callerId).records.aggregate({
            entityType: typeName,
            sum: ['amount', 'qty'],
            min: ['amount'],
            max: ['qty'],
            ...(query.groupBy ? { groupBy: query.groupBy } : {}),
            ...(rootId ? { subtreeOf: rootId } : {}),
          })
          const what = `${query.level}, ${JSON.stringify(query.groupBy)}, subtree ${query.subtree}`
          const { groups, truncated, ...totals } = result
          expect(totals, what).toEqual(totalsOf(matched))
          if (!query.groupBy) {
            expect(groups, what).toBeUndefined()
            continue
          }
          const groupBy = query.groupBy
          // A record's keys: one, or (by party) each of the party's users, or null without any.
          const keysOf = (record: GeneratedRecord): GroupKey[] => {
            if ('field' in groupBy) return [record.cat]
            if ('bucket' in groupBy) return [bucketOf(BASE + record.hour * HOUR, groupBy.bucket)]
            const users = partyUsers(record, groupBy.party)
            return users.length > 0 ? users : [null]
          }
          const expectedGroups = [...new Set(matched.flatMap(keysOf))].map((key) => ({
            key,
            ...totalsOf(matched.filter((record) => keysOf(record).includes(key))),
          }))
          expect(truncated, what).toBe(false)
          expect(byKey(groups ?? []), what).toEqual(byKey(expectedGroups))
          // Ordered by key, the group without one last.
          const keys = (groups ?? []).map((group) => group.key)
          const present = keys.filter((key) => key !== null)
          expect(keys, what).toEqual([...[...present].sort(), ...(keys.includes(null) ? [null] : [])])
        }
      }),
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: 240_000 },
    )
    // Guards the generator and the time limit: runs cut short, or only empty totals, prove little.
    expect(runs).toBeGreaterThanOrEqual(NUM_RUNS)
    expect(nonEmpty).toBeGreaterThan(NUM_RUNS / 3)
  }, 300_000)
})
