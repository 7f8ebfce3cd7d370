import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reasonOf } from '../errors/trellis-error.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { entityTypeIdOf } from '../testing/entity-type-id.js'
import { GROUP_CAP } from './aggregate-records.js'

const SCHEMA = {
  type: 'object',
  properties: {
    amount: { type: 'number' },
    fee: { type: ['integer', 'null'] },
    currency: { type: 'string' },
    paid: { type: 'boolean' },
    tier: { enum: ['gold', 'silver'] },
    meta: { type: 'object' },
    tags: { type: 'array' },
    constructor: { type: 'number' },
    'it\'s -- "odd"': { type: 'number' },
  },
}

describe('records.aggregate', () => {
  let h: ApiHarness
  // admin ─┬─ lead ─┬─ ann
  //        │        └─ bob
  //        └─ other
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)
  let paymentsTypeId: string

  /** Writes payments straight to the table, so their times (and stale data) are ours to choose. */
  async function insertPayments(rows: { owner: string; at: string; data: object; status?: string }[]) {
    await h.database.db
      .insertInto('records')
      .values(
        rows.map((row) => ({
          entity_type_id: paymentsTypeId,
          owner_id: ids[row.owner]!,
          status: row.status ?? 'open',
          data: JSON.stringify(row.data),
          created_at: new Date(row.at),
        })),
      )
      .execute()
  }

  beforeAll(async () => {
    h = await createApiHarness()
    ids.admin = h.adminId
    ids.lead = await h.addUser('lead@example.com', h.adminId)
    ids.ann = await h.addUser('ann@example.com', ids.lead)
    ids.bob = await h.addUser('bob@example.com', ids.lead)
    ids.other = await h.addUser('other@example.com', h.adminId)
    await admin().entityTypes.create({
      name: 'payments',
      schema: SCHEMA,
      stateMachine: { initial: 'open', transitions: { close: { from: ['open'], to: 'closed' } } },
    })
    await admin().entityTypes.create({ name: 'notes', schema: {} })
    paymentsTypeId = await entityTypeIdOf(h.database.db, 'payments')
    await h.grant(ids.lead, { 'payments.read': 'OWNED' })
    await h.grant(ids.ann, { 'payments.read': 'SELF' })
    await insertPayments([
      // Monday 2026-03-02 .. Tuesday 2026-03-31 and April: days, ISO weeks and months differ.
      {
        owner: 'ann',
        at: '2026-03-02T08:00:00Z',
        data: { amount: 0.1, fee: 1, currency: 'EUR', paid: true },
      },
      {
        owner: 'ann',
        at: '2026-03-02T23:59:59Z',
        data: { amount: 0.2, fee: 2, currency: 'EUR', paid: false },
      },
      { owner: 'bob', at: '2026-03-08T12:00:00Z', data: { amount: 10, fee: null, currency: 'USD' } },
      { owner: 'lead', at: '2026-03-31T10:00:00Z', data: { amount: -5.5, currency: 'EUR', tier: 'gold' } },
      {
        owner: 'other',
        at: '2026-04-01T00:00:00Z',
        data: { amount: 1000, currency: 'GBP' },
        status: 'closed',
      },
      // Stale data (written before a schema change): counted, but not a number to total.
      { owner: 'bob', at: '2026-04-02T00:00:00Z', data: { amount: 'twelve', currency: { code: 'EUR' } } },
    ])
  })
  afterAll(() => h.dispose())

  it('totals every record at ALL; decimals are summed exactly, then rounded once', async () => {
    const result = await admin().records.aggregate({
      entityType: 'payments',
      sum: ['amount', 'fee'],
      min: ['amount'],
      max: ['amount', 'fee'],
    })
    expect(result).toEqual({
      count: 6,
      sum: { amount: 1004.8, fee: 3 },
      min: { amount: -5.5 },
      max: { amount: 1000, fee: 2 },
    })
    const small = await admin().records.aggregate({
      entityType: 'payments',
      sum: ['amount'],
      ownerId: ids.ann,
    })
    // 0.1 + 0.2 in JavaScript is 0.30000000000000004; in SQL numeric it is 0.3.
    expect(small.sum).toEqual({ amount: 0.3 })
  })

  it('reads only what the level reaches: OWNED for lead, SELF for ann; none for other', async () => {
    const asLead = await h.callAs(ids.lead!).records.aggregate({ entityType: 'payments', sum: ['amount'] })
    expect(asLead).toMatchObject({ count: 5, sum: { amount: 4.8 } })
    const asAnn = await h.callAs(ids.ann!).records.aggregate({ entityType: 'payments', sum: ['amount'] })
    expect(asAnn).toMatchObject({ count: 2, sum: { amount: 0.3 } })
    const refused = await failure(h.callAs(ids.other!).records.aggregate({ entityType: 'payments' }))
    expect([refused.code, refused.message]).toEqual(['FORBIDDEN', 'Permission required: payments.read'])
    const anonymous = await failure(h.callAs(null).records.aggregate({ entityType: 'payments' }))
    expect(anonymous.code).toBe('UNAUTHORIZED')
  })

  it('takes the filters records.list takes; a subtree root out of reach gives empty totals', async () => {
    const lead = h.callAs(ids.lead!)
    expect(await lead.records.aggregate({ entityType: 'payments', status: 'closed' })).toMatchObject({
      count: 0,
    })
    expect(
      await lead.records.aggregate({
        entityType: 'payments',
        sum: ['amount'],
        createdAfter: '2026-03-02T12:00:00Z',
        createdBefore: '2026-04-01T00:00:00Z',
      }),
    ).toMatchObject({ count: 3, sum: { amount: 4.7 } })
    expect(
      await lead.records.aggregate({ entityType: 'payments', sum: ['amount'], subtreeOf: ids.ann }),
    ).toMatchObject({ count: 2, sum: { amount: 0.3 } })
    // `other` exists but is outside lead's OWNED: answered like an unknown user.
    for (const subtreeOf of [ids.other!, '00000000-0000-4000-8000-000000000000']) {
      expect(
        await lead.records.aggregate({
          entityType: 'payments',
          sum: ['amount'],
          subtreeOf,
          groupBy: { bucket: 'day' },
        }),
      ).toEqual({ count: 0, sum: { amount: null }, min: {}, max: {}, groups: [], truncated: false })
    }
  })

  it('groups by a scalar field: other values and missing ones are the null group, last', async () => {
    const result = await admin().records.aggregate({
      entityType: 'payments',
      sum: ['amount'],
      groupBy: { field: 'currency' },
    })
    expect(result.groups).toEqual([
      { key: 'EUR', count: 3, sum: { amount: -5.2 }, min: {}, max: {} },
      { key: 'GBP', count: 1, sum: { amount: 1000 }, min: {}, max: {} },
      { key: 'USD', count: 1, sum: { amount: 10 }, min: {}, max: {} },
      { key: null, count: 1, sum: { amount: null }, min: {}, max: {} },
    ])
    expect(result).toMatchObject({ count: 6, sum: { amount: 1004.8 }, truncated: false })
    const paid = await admin().records.aggregate({ entityType: 'payments', groupBy: { field: 'paid' } })
    expect(paid.groups?.map((group) => [group.key, group.count])).toEqual([
      [false, 1],
      [true, 1],
      [null, 4],
    ])
    const tiers = await admin().records.aggregate({ entityType: 'payments', groupBy: { field: 'tier' } })
    expect(tiers.groups?.map((group) => [group.key, group.count])).toEqual([
      ['gold', 1],
      [null, 5],
    ])
  })

  it('groups by day, ISO week and month of createdAt, in UTC', async () => {
    const by = async (bucket: 'day' | 'week' | 'month') =>
      (await admin().records.aggregate({ entityType: 'payments', groupBy: { bucket } })).groups?.map(
        (group) => [group.key, group.count],
      )
    expect(await by('day')).toEqual([
      ['2026-03-02T00:00:00.000Z', 2],
      ['2026-03-08T00:00:00.000Z', 1],
      ['2026-03-31T00:00:00.000Z', 1],
      ['2026-04-01T00:00:00.000Z', 1],
      ['2026-04-02T00:00:00.000Z', 1],
    ])
    // 2026-03-08 is a Sunday: still the week of Monday 2026-03-02.
    expect(await by('week')).toEqual([
      ['2026-03-02T00:00:00.000Z', 3],
      ['2026-03-30T00:00:00.000Z', 3],
    ])
    expect(await by('month')).toEqual([
      ['2026-03-01T00:00:00.000Z', 4],
      ['2026-04-01T00:00:00.000Z', 2],
    ])
  })

  it(`returns the first ${GROUP_CAP} groups and says it truncated; the totals count every record`, async () => {
    await admin().entityTypes.create({
      name: 'readings',
      schema: { type: 'object', properties: { sensor: { type: 'integer' }, value: { type: 'number' } } },
    })
    const typeId = await entityTypeIdOf(h.database.db, 'readings')
    const sensors = GROUP_CAP + 5
    await h.database.db
      .insertInto('records')
      .values(
        Array.from({ length: sensors }, (_, sensor) => ({
          entity_type_id: typeId,
          owner_id: h.adminId,
          data: JSON.stringify({ sensor, value: 1 }),
        })),
      )
      .execute()
    const result = await admin().records.aggregate({
      entityType: 'readings',
      sum: ['value'],
      groupBy: { field: 'sensor' },
    })
    expect(result).toMatchObject({ count: sensors, sum: { value: sensors }, truncated: true })
    expect(result.groups).toHaveLength(GROUP_CAP)
    expect(result.groups?.at(0)?.key).toBe(0)
    expect(result.groups?.at(-1)?.key).toBe(GROUP_CAP - 1)
  })

  describe('bad input: BAD_REQUEST naming the field, nothing read', () => {
    const issuesOf = async (
      input: Parameters<ReturnType<ApiHarness['callAs']>['records']['aggregate']>[0],
    ) => {
      const error = await failure(admin().records.aggregate(input))
      expect([error.code, reasonOf(error)]).toEqual(['BAD_REQUEST', 'INVALID_INPUT'])
      return formatted(error).inputIssues?.map((issue) => [issue.path.join('.'), issue.message])
    }

    it('a field the schema does not declare, or not as numbers (to total) or scalars (to group by)', async () => {
      expect(
        await issuesOf({
          entityType: 'payments',
          sum: ['amount', 'nope', 'currency'],
          min: ['meta'],
          max: ['toString'],
          groupBy: { field: 'tags' },
        }),
      ).toEqual([
        ['sum.1', '"nope" is not a field of payments'],
        ['sum.2', '"currency" is not a numeric field of payments'],
        ['min.0', '"meta" is not a numeric field of payments'],
        ['max.0', '"toString" is not a field of payments'],
        ['groupBy.field', '"tags" is not a scalar field of payments'],
      ])
      expect(await issuesOf({ entityType: 'payments', groupBy: { field: 'meta' } })).toEqual([
        ['groupBy.field', '"meta" is not a scalar field of payments'],
      ])
      // A type whose schema declares no properties has no field to total.
      expect(await issuesOf({ entityType: 'notes', sum: ['amount'] })).toEqual([
        ['sum.0', '"amount" is not a field of notes'],
      ])
    })

    it('prototype keys are fields only where the schema declares them', async () => {
      expect(await issuesOf({ entityType: 'payments', sum: ['__proto__', 'hasOwnProperty'] })).toEqual([
        ['sum.0', '"__proto__" is not a field of payments'],
        ['sum.1', '"hasOwnProperty" is not a field of payments'],
      ])
      // `constructor` is declared by this schema: an ordinary field, and an own key of the answer.
      const result = await admin().records.aggregate({ entityType: 'payments', sum: ['constructor'] })
      expect(result.sum).toEqual({ constructor: null })
      expect(Object.hasOwn(result.sum, 'constructor')).toBe(true)
    })

    it('a field name is a bound parameter: quotes and SQL in it are only a name', async () => {
      const odd = `it's -- "odd"`
      await insertPayments([{ owner: 'other', at: '2027-01-01T00:00:00Z', data: { [odd]: 2.5 } }])
      const result = await admin().records.aggregate({ entityType: 'payments', sum: [odd], max: [odd] })
      expect(result).toMatchObject({ sum: { [odd]: 2.5 }, max: { [odd]: 2.5 } })
      await h.database.db
        .deleteFrom('records')
        .where('created_at', '=', new Date('2027-01-01T00:00:00Z'))
        .execute()
    })

    it('zod refuses the shape: NUL in a name, an empty one, both keys at once, too many fields', async () => {
      expect(await issuesOf({ entityType: 'payments', sum: ['am\u0000ount'] })).toEqual([
        ['sum.0', 'must not contain NUL (\\u0000) or an unpaired surrogate'],
      ])
      expect((await issuesOf({ entityType: 'payments', sum: [''] }))?.[0]?.[0]).toBe('sum.0')
      expect(
        await issuesOf({ entityType: 'payments', groupBy: { field: 'currency', bucket: 'day' } as never }),
      ).toHaveLength(1)
      expect(await issuesOf({ entityType: 'payments', groupBy: { bucket: 'year' } as never })).toHaveLength(1)
      expect(
        (
          await issuesOf({ entityType: 'payments', sum: Array.from({ length: 21 }, () => 'amount') })
        )?.[0]?.[0],
      ).toBe('sum')
      expect(
        await issuesOf({
          entityType: 'payments',
          createdAfter: '2026-04-01T00:00:00Z',
          createdBefore: '2026-03-01T00:00:00Z',
        }),
      ).toEqual([['createdBefore', 'createdAfter must be before createdBefore']])
    })

    it('an unknown type is NOT_FOUND', async () => {
      const error = await failure(admin().records.aggregate({ entityType: 'nothing' }))
      expect(error.code).toBe('NOT_FOUND')
    })
  })

  it('is one statement: totals taken while records are added never see half of one', async () => {
    await admin().entityTypes.create({
      name: 'tokens',
      schema: { type: 'object', properties: { value: { type: 'integer' } } },
    })
    const add = () => admin().records.create({ entityType: 'tokens', data: { value: 7 } })
    const total = () =>
      admin().records.aggregate({ entityType: 'tokens', sum: ['value'], groupBy: { bucket: 'day' } })
    const outcomes = await Promise.all([add(), total(), add(), total(), add(), total(), add()])
    for (const outcome of outcomes) {
      if (!('count' in outcome)) continue
      expect(outcome.sum.value ?? 0).toBe(7 * outcome.count)
      expect(outcome.groups?.reduce((sum, group) => sum + group.count, 0)).toBe(outcome.count)
    }
    expect(await total()).toMatchObject({ count: 4, sum: { value: 28 } })
  })
})
