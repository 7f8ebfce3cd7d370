import { evaluatePolicyFilter, type PolicyFilter, type PolicyRange } from '@trellis/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrellisDatabase } from '../schema/database.js'
import { createTestDatabase, insertNamedTree, type TestDatabase, testEntityTypeId } from '../testing/index.js'
import { policyFilterCondition } from './policy-filter-condition.js'

// The SQL a filter compiles to must select exactly the records the reference evaluation
// (@trellis/core) lets through, for every kind of filter and every kind of stored value:
// absent fields, nulls, other JSON types, dates outside the grammar or naming no real day.

const FIELDS = ['region', 'score', 'seen', 'flag'] as const
const TEXTS = ['EU', 'US', 'eu', '', 'a"b', 'ü'] as const
const NUMBERS = [-2, 0, 1, 1.5, 2, 10, 1e6] as const
const DATES = [
  '2026-01-31',
  '2026-02-01',
  '2026-01-31T09:30:00Z',
  '2026-01-31T23:59:59.999+02:00',
  '2026-03-01T00:00:00-05:00',
  '2024-02-29',
  '2026-02-30',
  '2026-01-31T24:00:00Z',
  '2026-01-31T09:30:00',
  'not a date',
] as const

const storedValue = fc.oneof(
  fc.constantFrom(...TEXTS),
  fc.constantFrom(...NUMBERS),
  fc.constantFrom(...DATES),
  fc.boolean(),
  fc.constant(null),
  fc.constant([1, 'EU']),
  fc.constant({ nested: 'EU' }),
)
const recordData = fc.dictionary(fc.constantFrom(...FIELDS), storedValue, { maxKeys: FIELDS.length })
const scalar = fc.oneof(fc.constantFrom(...TEXTS), fc.constantFrom(...NUMBERS), fc.boolean())
const field = fc.constantFrom(...FIELDS)
const numberRange = fc.record(
  {
    gt: fc.constantFrom(...NUMBERS),
    gte: fc.constantFrom(...NUMBERS),
    lt: fc.constantFrom(...NUMBERS),
    lte: fc.constantFrom(...NUMBERS),
  },
  { requiredKeys: [] },
)
const dateRange = fc.record(
  {
    gt: fc.constantFrom(...DATES),
    gte: fc.constantFrom(...DATES),
    lt: fc.constantFrom(...DATES),
    lte: fc.constantFrom(...DATES),
  },
  { requiredKeys: [] },
)
const leaf: fc.Arbitrary<PolicyFilter> = fc.oneof(
  fc.record({ field, eq: scalar }),
  fc.record({ field, in: fc.array(scalar, { maxLength: 4 }) }),
  fc.record({ field, range: fc.oneof(numberRange, dateRange) as fc.Arbitrary<PolicyRange> }),
  fc.record({ field, exists: fc.boolean() }),
)
const { filter } = fc.letrec<{ filter: PolicyFilter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ and: fc.array(tie('filter'), { maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('filter'), { maxLength: 3 }) }),
    fc.record({ not: tie('filter') }),
  ),
}))

describe('policyFilterCondition against the reference evaluation', () => {
  let test: TestDatabase
  let db: TrellisDatabase
  let ownerId: string
  let typeId: string

  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
    ownerId = (await insertNamedTree(db, { owner: null })).owner
    typeId = await testEntityTypeId(db)
  }, 120_000)
  afterAll(() => test?.dispose())

  it('selects exactly the records the filter lets through', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordData, { minLength: 1, maxLength: 25 }),
        filter,
        async (records, chosen) => {
          await db.deleteFrom('records').execute()
          const rows = await db
            .insertInto('records')
            .values(
              records.map((data) => ({
                entity_type_id: typeId,
                owner_id: ownerId,
                data: JSON.stringify(data),
              })),
            )
            .returning('id')
            .execute()
          const expected = rows
            .filter((_, index) => evaluatePolicyFilter(chosen, records[index]!))
            .map((row) => row.id)
          const selected = await db
            .selectFrom('records')
            .select('id')
            .where(policyFilterCondition(chosen))
            .execute()
          expect(selected.map((row) => row.id).sort()).toEqual(expected.sort())
        },
      ),
      { numRuns: 150 },
    )
  }, 180_000)

  it('binds every field name and value: a hostile text is compared, never run', async () => {
    const hostile = `x' or true) --`
    await db.deleteFrom('records').execute()
    await db
      .insertInto('records')
      .values({ entity_type_id: typeId, owner_id: ownerId, data: JSON.stringify({ [hostile]: hostile }) })
      .execute()
    const matches = async (chosen: PolicyFilter) =>
      (await db.selectFrom('records').select('id').where(policyFilterCondition(chosen)).execute()).length
    expect(await matches({ field: hostile, eq: hostile })).toBe(1)
    expect(await matches({ field: 'region', eq: hostile })).toBe(0)
    expect(await matches({ field: hostile, in: ['other', hostile] })).toBe(1)
  })
})
