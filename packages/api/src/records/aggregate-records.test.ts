import { insertUser } from '@trellis/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reasonOf } from '../errors/trellis-error.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { entityTypeIdOf } from '../testing/entity-type-id.js'
import { type AggregateGroup, GROUP_CAP } from './aggregate-records.js'

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

  describe('grouped by a party', () => {
    // invoices: consumers count for reading, auditors do not.
    //   i1 ann   consumers bob, other   amount 1
    //   i2 bob   consumers bob          amount 2
    //   i3 lead  (no consumer)          amount 4   auditor other
    //   i4 other consumers ann          amount 8
    //   i5 other consumers other        amount 16  auditor ann
    const invoice = (owner: string, amount: number, parties: Record<string, string[]>) =>
      admin().records.create({
        entityType: 'invoices',
        ownerId: ids[owner]!,
        data: { amount },
        parties: Object.fromEntries(
          Object.entries(parties).map(([party, users]) => [party, users.map((user) => ids[user]!)]),
        ),
      })
    /** Groups as [user name or null, count, sum of amount], in the order they came. */
    const named = (groups: readonly AggregateGroup[] | undefined) =>
      groups?.map((group) => [
        group.key === null ? null : Object.keys(ids).find((name) => ids[name] === group.key),
        group.count,
        group.sum.amount,
      ])
    /** The expected groups of users, in the order of their ids, then the null group. */
    const inKeyOrder = (users: [string, number, number][], none?: [number, number]) => [
      ...[...users].sort(([a], [b]) => (ids[a]! < ids[b]! ? -1 : 1)),
      ...(none ? [[null, ...none]] : []),
    ]
    const byParty = (caller: string, party: string) =>
      h
        .callAs(ids[caller]!)
        .records.aggregate({ entityType: 'invoices', sum: ['amount'], groupBy: { party } })

    beforeAll(async () => {
      await admin().entityTypes.create({
        name: 'invoices',
        schema: { type: 'object', properties: { amount: { type: 'number' } } },
        parties: { consumer: { from: 'users' }, auditor: { from: 'users', actions: ['update'] } },
      })
      await invoice('ann', 1, { consumer: ['bob', 'other'] })
      await invoice('bob', 2, { consumer: ['bob'] })
      await invoice('lead', 4, { auditor: ['other'] })
      await invoice('other', 8, { consumer: ['ann'] })
      await invoice('other', 16, { consumer: ['other'], auditor: ['ann'] })
      await h.grant(ids.lead!, { 'invoices.read': 'OWNED' })
      await h.grant(ids.ann!, { 'invoices.read': 'SELF' })
    })

    it('counts a record in the group of each party user, records without one in the null group', async () => {
      const result = await byParty('admin', 'consumer')
      // i1 is in bob's group and other's: the groups add up to more than the total.
      expect(named(result.groups)).toEqual(
        inKeyOrder(
          [
            ['ann', 1, 8],
            ['bob', 2, 3],
            ['other', 2, 17],
          ],
          [1, 4],
        ),
      )
      // The totals count each record once.
      expect(result).toMatchObject({ count: 5, sum: { amount: 31 }, truncated: false })
    })

    it('groups only the records the level reaches; keys name party users the caller may not read', async () => {
      // lead reads i1..i4 (i4 through ann, its consumer) but not i5 (other's, with other).
      const asLead = await byParty('lead', 'consumer')
      expect(asLead).toMatchObject({ count: 4, sum: { amount: 15 } })
      expect(named(asLead.groups)).toEqual(
        inKeyOrder(
          [
            ['ann', 1, 8],
            ['bob', 2, 3],
            ['other', 1, 1],
          ],
          [1, 4],
        ),
      )
      // ann (SELF) reads i1 (hers) and i4 (she is its consumer): bob and other are keys,
      // as in those records' views, though she cannot read them as users.
      const asAnn = await byParty('ann', 'consumer')
      expect(asAnn).toMatchObject({ count: 2, sum: { amount: 9 } })
      expect(named(asAnn.groups)).toEqual(
        inKeyOrder([
          ['ann', 1, 8],
          ['bob', 1, 1],
          ['other', 1, 1],
        ]),
      )
      // Auditors do not count for reading, but group what the caller reads: ann's i5 is not.
      expect(named((await byParty('ann', 'auditor')).groups)).toEqual([[null, 2, 9]])
      expect(named((await byParty('admin', 'auditor')).groups)).toEqual(
        inKeyOrder(
          [
            ['ann', 1, 16],
            ['other', 1, 4],
          ],
          [3, 11],
        ),
      )
    })

    it('takes the filters: ownerId narrows the records, not the party users', async () => {
      const result = await admin().records.aggregate({
        entityType: 'invoices',
        sum: ['amount'],
        ownerId: ids.other,
        groupBy: { party: 'consumer' },
      })
      expect(result).toMatchObject({ count: 2, sum: { amount: 24 } })
      expect(named(result.groups)).toEqual(
        inKeyOrder([
          ['ann', 1, 8],
          ['other', 1, 16],
        ]),
      )
    })

    it('a party the type does not declare is BAD_REQUEST naming it, for a type without parties too', async () => {
      for (const [entityType, party] of [
        ['invoices', 'merchant'],
        ['invoices', '__proto__'],
        ['invoices', 'toString'],
        ['payments', 'consumer'],
      ] as const) {
        const error = await failure(admin().records.aggregate({ entityType, groupBy: { party } }))
        expect([error.code, reasonOf(error)]).toEqual(['BAD_REQUEST', 'INVALID_INPUT'])
        expect(formatted(error).inputIssues?.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
          ['groupBy.party', `"${party}" is not a party of ${entityType}`],
        ])
      }
      const empty = await failure(
        admin().records.aggregate({ entityType: 'invoices', groupBy: { party: '' } }),
      )
      expect(formatted(empty).inputIssues?.[0]?.path).toEqual(['groupBy', 'party'])
    })

    // 1,005 users are made one by one first: seconds on PGlite, more on a loaded machine.
    it(`returns the first ${GROUP_CAP} party users and says it truncated; the totals count each record once`, async () => {
      await admin().entityTypes.create({
        name: 'broadcasts',
        schema: { type: 'object', properties: { value: { type: 'number' } } },
        parties: { listener: { from: 'users' } },
      })
      const typeId = await entityTypeIdOf(h.database.db, 'broadcasts')
      const listeners = await h.database.db.transaction().execute(async (trx) => {
        const inserted: string[] = []
        for (let i = 0; i < GROUP_CAP + 5; i += 1) {
          const user = await insertUser(trx, {
            email: `listener${i}@example.com`,
            kind: 'person',
            status: 'active',
            parent_id: h.adminId,
          })
          inserted.push(user.id)
        }
        return inserted.sort()
      })
      // Eleven records of 100 listeners each, the last one's shared with the first.
      const perRecord = 100
      const records = await h.database.db
        .insertInto('records')
        .values(
          Array.from({ length: 11 }, () => ({
            entity_type_id: typeId,
            owner_id: h.adminId,
            data: JSON.stringify({ value: 1 }),
          })),
        )
        .returning('id')
        .execute()
      await h.database.db
        .insertInto('record_parties')
        .values(
          records.flatMap((record, index) =>
            Array.from({ length: perRecord }, (_, offset) => ({
              record_id: record.id,
              party: 'listener',
              user_id: listeners[(index * perRecord + offset) % listeners.length]!,
            })),
          ),
        )
        .execute()
      const result = await admin().records.aggregate({
        entityType: 'broadcasts',
        sum: ['value'],
        groupBy: { party: 'listener' },
      })
      expect(result).toMatchObject({ count: 11, sum: { value: 11 }, truncated: true })
      expect(result.groups).toHaveLength(GROUP_CAP)
      expect(result.groups?.map((group) => group.key)).toEqual(listeners.slice(0, GROUP_CAP))
      // The first 95 listeners are in two records' groups (the 11th record wraps around).
      expect(result.groups?.slice(0, 96).map((group) => group.count)).toEqual([
        ...Array.from({ length: 95 }, () => 2),
        1,
      ])
    }, 180_000)

    it('is one statement: a party user added meanwhile is never seen both in and out of its group', async () => {
      const { id } = await invoice('lead', 32, {})
      const total = () => byParty('admin', 'consumer')
      const add = (user: string) => admin().records.addParty({ id, party: 'consumer', userId: ids[user]! })
      const outcomes = await Promise.all([
        total(),
        add('ann'),
        total(),
        add('bob'),
        total(),
        add('other'),
        total(),
      ])
      for (const outcome of outcomes) {
        if (!outcome || !('count' in outcome)) continue
        expect(outcome).toMatchObject({ count: 6, sum: { amount: 63 } })
        // The new invoice is in the null group exactly when no consumer group holds it.
        const withIt = (outcome.groups ?? []).filter(
          (group) => group.key !== null && (group.sum.amount ?? 0) >= 32,
        )
        const nullGroup = outcome.groups?.find((group) => group.key === null)
        expect(nullGroup?.sum.amount === 36, JSON.stringify(outcome.groups)).toBe(withIt.length === 0)
      }
      expect(named((await total()).groups)).toEqual(
        inKeyOrder(
          [
            ['ann', 2, 40],
            ['bob', 3, 35],
            ['other', 3, 49],
          ],
          [1, 4],
        ),
      )
      await h.database.db.deleteFrom('records').where('id', '=', id).execute()
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
