import { randomUUID } from 'node:crypto'
import {
  evaluatePolicyFilter,
  LEVELS,
  type PolicyFilter,
  type PolicyRange,
  visibleOwners,
} from '@trellis/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { entityTypeIdOf } from '../testing/entity-type-id.js'
import { insertGeneratedTree } from '../testing/generated-tree.js'
import { walkPages } from '../testing/walk-pages.js'
import { createPolicy, grantThroughPolicy } from './policy-fixtures.js'

// records.list through a policy against the reference (`evaluatePolicyFilter` over the
// records the caller sees at its level, computed from the tree in JS): random trees, random
// records with a field of every kind (text, number, date, boolean; sometimes absent or null),
// a `payee` party that counts for reading, a random filter of every kind, a consumer bound
// to the policy at a random level. ALL reads the one-filter page; the other levels read the
// owner/party union page (`halvesMerged`): both shapes must apply the filter. Each run has
// an entity type and a policy of its own.
const NUM_RUNS = 30
const MAX_USERS = 20
const MAX_RECORDS = 40
const PAGE = 7

const REGIONS = ['EU', 'US', 'eu', ''] as const
const SCORES = [-2, 0, 1, 1.5, 10] as const
const DAYS = ['2026-01-30', '2026-01-31', '2026-01-31T09:30:00Z', '2026-02-01T00:00:00+02:00'] as const
const FIELDS = ['region', 'score', 'seen', 'flag'] as const

/** A field's value of its own kind, or (rarely) absent or null: each matches no comparison. */
const fieldValue = <T>(values: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: values }, fc.constant(undefined), fc.constant(null))
const recordData = fc.record({
  region: fieldValue(fc.constantFrom(...REGIONS)),
  score: fieldValue(fc.constantFrom(...SCORES)),
  seen: fieldValue(fc.constantFrom(...DAYS)),
  flag: fieldValue(fc.boolean()),
})

/** A range with at least one bound, as a saved policy has. */
const bounds = <T>(values: fc.Arbitrary<T>) =>
  fc
    .record({ gt: values, gte: values, lt: values, lte: values }, { requiredKeys: [] })
    .filter((range) => Object.keys(range).length > 0)
const leaf: fc.Arbitrary<PolicyFilter> = fc.oneof(
  fc.record({ field: fc.constant('region'), eq: fc.constantFrom(...REGIONS) }),
  fc.record({ field: fc.constant('flag'), eq: fc.boolean() }),
  fc.record({
    field: fc.constant('score'),
    in: fc.array(fc.constantFrom(...SCORES), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    field: fc.constant('region'),
    in: fc.array(fc.constantFrom(...REGIONS), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    field: fc.constant('score'),
    range: bounds(fc.constantFrom(...SCORES)) as fc.Arbitrary<PolicyRange>,
  }),
  fc.record({
    field: fc.constant('seen'),
    range: bounds(fc.constantFrom(...DAYS)) as fc.Arbitrary<PolicyRange>,
  }),
  fc.record({ field: fc.constantFrom(...FIELDS), exists: fc.boolean() }),
)
const { filter } = fc.letrec<{ filter: PolicyFilter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ and: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('filter') }),
  ),
}))

const scenario = fc.integer({ min: 1, max: MAX_USERS }).chain((size) =>
  fc.record({
    // Parent of run user i: an earlier run user, or (-1) the administrator.
    parents: fc.tuple(...Array.from({ length: size }, (_, i) => fc.integer({ min: -1, max: i - 1 }))),
    records: fc.array(
      fc.record({
        owner: fc.nat({ max: size - 1 }),
        payees: fc.uniqueArray(fc.nat({ max: size - 1 }), { maxLength: 2 }),
        data: recordData,
      }),
      // Enough records that most callers see some, and most filters split them.
      { minLength: 10, maxLength: MAX_RECORDS },
    ),
    filter: fc.option(filter, { freq: 8 }),
    consumer: fc.nat({ max: size - 1 }),
    level: fc.constantFrom(...LEVELS),
  }),
)

/** The data as stored: absent fields left out, the masked `secret` always there. */
function storedData(data: Readonly<Record<string, unknown>>, secret: string): Record<string, unknown> {
  const stored: Record<string, unknown> = { secret }
  for (const [field, value] of Object.entries(data)) if (value !== undefined) stored[field] = value
  return stored
}

describe('records.list through a policy against the reference evaluation', () => {
  let h: ApiHarness
  beforeAll(async () => {
    h = await createApiHarness()
  })
  afterAll(() => h.dispose())

  it('returns exactly the visible records the filter lets through, masked, on every page and in the totals', async () => {
    let runs = 0
    let nonEmpty = 0
    let filteredOut = 0
    await fc.assert(
      fc.asyncProperty(scenario, async (generated) => {
        runs += 1
        const db = h.database.db
        const typeName = `items${runs}`
        const policyName = `feed${runs}`
        await h.callAs(h.adminId).entityTypes.create({
          name: typeName,
          schema: {
            type: 'object',
            properties: {
              region: { type: ['string', 'null'] },
              score: { type: ['number', 'null'] },
              seen: { type: ['string', 'null'], format: 'date-time' },
              flag: { type: ['boolean', 'null'] },
              secret: { type: 'string' },
            },
          },
          parties: { payee: { from: 'users' } },
        })
        const ids = await insertGeneratedTree(db, generated.parents, h.adminId, `p${runs}`)
        const typeId = await entityTypeIdOf(db, typeName)
        const stored = generated.records.map((record, index) => ({
          id: randomUUID(),
          owner: ids[record.owner]!,
          payees: record.payees.map((payee) => ids[payee]!),
          data: storedData(record.data, `SECRET-${runs}-${index}`),
        }))
        if (stored.length > 0) {
          await db
            .insertInto('records')
            .values(
              stored.map((record, index) => ({
                id: record.id,
                entity_type_id: typeId,
                owner_id: record.owner,
                // Distinct times: the page order is the same whatever the ids.
                created_at: new Date(Date.UTC(2026, 0, 1) + index * 60_000),
                data: JSON.stringify(record.data),
              })),
            )
            .execute()
          const partyRows = stored.flatMap((record) =>
            record.payees.map((user_id) => ({ record_id: record.id, party: 'payee', user_id })),
          )
          if (partyRows.length > 0) await db.insertInto('record_parties').values(partyRows).execute()
        }
        await createPolicy(h, {
          name: policyName,
          types: [{ entityType: typeName, filter: generated.filter, masks: ['secret'] }],
        })
        const consumerId = ids[generated.consumer]!
        await grantThroughPolicy(h, consumerId, policyName, { [`${typeName}.read`]: generated.level })

        const users = await db.selectFrom('users').select(['id', 'parent_id']).execute()
        const tree = new Map(users.map((user) => [user.id, user.parent_id]))
        const visible = visibleOwners(tree, consumerId, generated.level)
        const seen = stored.filter(
          (record) => visible.has(record.owner) || record.payees.some((payee) => visible.has(payee)),
        )
        const expected = seen
          .filter(
            (record) => generated.filter === null || evaluatePolicyFilter(generated.filter, record.data),
          )
          .map(({ id, data }) => {
            const { secret: _masked, ...rest } = data
            return { id, data: rest }
          })
        if (expected.length > 0) nonEmpty += 1
        if (expected.length < seen.length) filteredOut += 1

        const consumer = h.callAs(consumerId)
        const what = `${generated.level}, ${JSON.stringify(generated.filter)}`
        const walked = await walkPages((cursor) =>
          consumer.records.list({
            policy: policyName,
            entityType: typeName,
            limit: PAGE,
            ...(cursor ? { cursor } : {}),
          }),
        )
        const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id)
        const got = walked.items.map(({ id, data }) => ({ id, data }))
        expect(got.sort(byId), what).toEqual([...expected].sort(byId))
        // The first page's total counts the same records, as does an aggregate through the policy.
        const first = await consumer.records.list({ policy: policyName, limit: PAGE, withTotal: true })
        expect(first.total, what).toEqual({ count: expected.length, exact: true })
        const totals = await consumer.records.aggregate({ policy: policyName, entityType: typeName })
        expect(totals.count, what).toBe(expected.length)
      }),
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: 240_000 },
    )
    // Guards the generator and the time limit: runs cut short, or only empty or unfiltered pages, prove little.
    expect(runs).toBeGreaterThanOrEqual(NUM_RUNS)
    expect(nonEmpty).toBeGreaterThan(NUM_RUNS / 4)
    expect(filteredOut).toBeGreaterThan(NUM_RUNS / 4)
  }, 300_000)
})
