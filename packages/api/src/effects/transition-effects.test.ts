import { defineEntityTypes } from '@trellis/core'
import { insertEntityType } from '@trellis/db'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'
import { race } from '../testing/race.js'
import { defineTransitionEffects, type TransitionEffectContext } from './transition-effects.js'

// An order takes one item from its owner's stock as it is paid; the stock is the
// warehouse's (the admin's), which the order's owner can neither read nor write.
const types = defineEntityTypes({
  orders: {
    schema: {
      type: 'object',
      properties: { item: { type: 'string' }, note: { type: 'string' } },
      required: ['item'],
    },
    stateMachine: {
      initial: 'open',
      transitions: {
        pay: { from: ['open'], to: 'paid', fields: ['note'] },
        payTooMuch: { from: ['open'], to: 'paid' },
        payAndFail: { from: ['open'], to: 'paid' },
        payRefused: { from: ['open'], to: 'paid' },
        cancel: { from: ['open', 'paid'], to: 'cancelled' },
      },
    },
  },
  stock: {
    schema: {
      type: 'object',
      properties: { item: { type: 'string' }, count: { type: 'integer', minimum: 0 } },
      required: ['item', 'count'],
    },
  },
  receipts: {
    schema: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
    references: { orderId: 'orders' },
  },
})

/** Takes `count` of the order's item from the stock, locked first; refused when there is too little. */
async function take(context: TransitionEffectContext, count: number) {
  const item = context.record.data.item as string
  const [stock] = await context.records.find('stock', { data: { item } }, { lock: true })
  if (!stock) context.refuse(`No stock of ${item}`)
  await context.records.update(stock.id, { ...stock.data, count: (stock.data.count as number) - count })
}

const seen: TransitionEffectContext[] = []
const order: string[] = []

const warehouse = defineTransitionEffects(types, {
  orders: {
    pay: async (context) => {
      seen.push(context)
      order.push('warehouse')
      await take(context, 1)
    },
    payTooMuch: (context) => take(context, 1000),
    payAndFail: async (context) => {
      await take(context, 1)
      throw new Error('The warehouse is on fire')
    },
    payRefused: async (context) => {
      await take(context, 1)
      context.refuse('Orders are closed today')
    },
  },
})

// A second registration, as a host adds to a preset's: it runs after, and sees what the first wrote.
const bookkeeping = defineTransitionEffects(types, {
  orders: {
    pay: async ({ record, records }) => {
      const [stock] = await records.find('stock', { data: { item: record.data.item } })
      order.push(`bookkeeping saw ${stock?.data.count}`)
      await records.create('receipts', { ownerId: record.ownerId, data: { orderId: record.id } })
    },
  },
})

// What does not compile: a type or transition the config does not declare.
defineTransitionEffects(types, {
  // @ts-expect-error: orders has no transition `ship`
  orders: { ship: async () => {} },
})
defineTransitionEffects(types, {
  // @ts-expect-error: stock has no state machine, so no transitions
  stock: { pay: async () => {} },
})
defineTransitionEffects(types, {
  // @ts-expect-error: no entity type `invoices`
  invoices: {},
})

describe('transition effects', () => {
  let h: ApiHarness
  let buyer: string
  const admin = () => h.callAs(h.adminId)
  const asBuyer = () => h.callAs(buyer)

  const stockCount = async (item: string) => {
    const row = await h.database.db
      .selectFrom('records')
      .select('data')
      .where(sql<boolean>`data->>'item' = ${item}`)
      .where('entity_type_id', '=', (qb) =>
        qb.selectFrom('entity_types').select('id').where('name', '=', 'stock'),
      )
      .executeTakeFirstOrThrow()
    return (row.data as { count: number }).count
  }
  const newOrder = (item: string) => asBuyer().records.create({ entityType: 'orders', data: { item } })
  const newStock = (item: string, count: number) =>
    admin().records.create({ entityType: 'stock', data: { item, count } })
  const statusOf = async (id: string) => (await admin().records.get({ id })).status
  const effectEvents = (requestOf?: string) => {
    let query = h.database.db
      .selectFrom('audit_events')
      .select(['permission', 'procedure', 'target_id', 'actor_id', 'request_id', 'outcome'])
      .where('procedure', 'like', 'effect:%')
    if (requestOf) query = query.where('request_id', '=', requestOf)
    return query.execute()
  }

  beforeAll(async () => {
    h = await createApiHarness({ effects: [warehouse, bookkeeping] })
    // Stored as a preset's are, from the config the effects were typed against.
    for (const [name, definition] of Object.entries(types))
      await insertEntityType(h.database.db, name, definition)
    buyer = await h.addUser('buyer@example.com', h.adminId)
    await h.grant(buyer, {
      'orders.read': 'SELF',
      'orders.create': 'SELF',
      'orders.pay': 'SELF',
      'orders.payTooMuch': 'SELF',
      'orders.payAndFail': 'SELF',
      'orders.payRefused': 'SELF',
      'orders.cancel': 'SELF',
    })
  })
  afterAll(() => h.dispose())

  it('runs once with the transition, sees the record and the caller, and writes what the caller cannot', async () => {
    await newStock('lamp', 3)
    const lamp = await newOrder('lamp')
    seen.length = 0
    order.length = 0
    const paid = await asBuyer().records.transition({ id: lamp.id, name: 'pay', data: { note: 'gift' } })
    expect(paid).toMatchObject({ status: 'paid', data: { item: 'lamp', note: 'gift' } })
    expect(seen).toHaveLength(1)
    const [context] = seen
    expect(context!.record).toMatchObject({
      id: lamp.id,
      entityType: 'orders',
      ownerId: buyer,
      status: 'paid',
      previousStatus: 'open',
      data: { item: 'lamp', note: 'gift' },
      previousData: { item: 'lamp' },
    })
    expect(context!.transition).toBe('pay')
    expect(context!.actor).toEqual({ id: buyer })
    expect(await context!.parties()).toEqual([])
    // Registrations run in order; the stock the buyer cannot read moved by one.
    expect(order).toEqual(['warehouse', 'bookkeeping saw 2'])
    expect(await stockCount('lamp')).toBe(2)
    expect((await failure(asBuyer().records.list({ entityType: 'stock' }))).code).toBe('FORBIDDEN')
    const receipts = await admin().records.list({ entityType: 'receipts', ownerId: buyer })
    expect(receipts.items.map((receipt) => receipt.data)).toEqual([{ orderId: lamp.id }])
  })

  it('audits every write of an effect as part of the transition: same actor, same request', async () => {
    await newStock('chair', 5)
    const chair = await newOrder('chair')
    await asBuyer().records.transition({ id: chair.id, name: 'pay' })
    const [transition] = await h.database.db
      .selectFrom('audit_events')
      .select(['request_id'])
      .where('target_id', '=', chair.id)
      .where('permission', '=', 'orders.pay')
      .execute()
    const events = await effectEvents(transition!.request_id)
    const stock = await admin().records.list({ entityType: 'stock' })
    const receipt = await admin().records.list({ entityType: 'receipts' })
    expect(events).toEqual([
      {
        permission: 'orders.pay',
        procedure: 'effect:stock.update',
        target_id: stock.items.find((item) => item.data.item === 'chair')!.id,
        actor_id: buyer,
        request_id: transition!.request_id,
        outcome: 'allowed',
      },
      {
        permission: 'orders.pay',
        procedure: 'effect:receipts.create',
        target_id: receipt.items.find((item) => item.data.orderId === chair.id)!.id,
        actor_id: buyer,
        request_id: transition!.request_id,
        outcome: 'allowed',
      },
    ])
  })

  it('refuses with a typed error when an effect says no, and keeps nothing', async () => {
    await newStock('desk', 4)
    const desk = await newOrder('desk')
    const before = (await effectEvents()).length
    const error = await failure(asBuyer().records.transition({ id: desk.id, name: 'payRefused' }))
    expect([error.code, error.message]).toEqual(['PRECONDITION_FAILED', 'Orders are closed today'])
    expect(error).toMatchObject({ reason: 'TRANSITION_REFUSED' })
    expect(await statusOf(desk.id)).toBe('open')
    expect(await stockCount('desk')).toBe(4)
    expect(await effectEvents()).toHaveLength(before)
    // The refused call itself is audited, as a failure.
    const failed = await h.database.db
      .selectFrom('audit_events')
      .select(['permission', 'outcome', 'error_code'])
      .where('target_id', '=', desk.id)
      .where('outcome', '!=', 'allowed')
      .execute()
    expect(failed).toEqual([
      { permission: 'orders.payRefused', outcome: 'failed', error_code: 'PRECONDITION_FAILED' },
    ])
    // A refusal in the record's state, not for good: the order can still be paid.
    await expect(asBuyer().records.transition({ id: desk.id, name: 'pay' })).resolves.toMatchObject({
      status: 'paid',
    })
  })

  it('refuses a write that breaks the written type’s schema, naming the field, and keeps nothing', async () => {
    await newStock('rug', 2)
    const rug = await newOrder('rug')
    const error = await failure(asBuyer().records.transition({ id: rug.id, name: 'payTooMuch' }))
    expect(error.code).toBe('PRECONDITION_FAILED')
    expect(error.message).toMatch(/^orders\.payTooMuch would store invalid stock data \(data\.count: /)
    expect(await statusOf(rug.id)).toBe('open')
    expect(await stockCount('rug')).toBe(2)
  })

  it('rolls everything back when an effect throws', async () => {
    await newStock('vase', 6)
    const vase = await newOrder('vase')
    const before = (await effectEvents()).length
    const error = await failure(asBuyer().records.transition({ id: vase.id, name: 'payAndFail' }))
    expect(error.code).toBe('INTERNAL_SERVER_ERROR')
    expect(await statusOf(vase.id)).toBe('open')
    expect(await stockCount('vase')).toBe(6)
    expect(await effectEvents()).toHaveLength(before)
  })

  it('runs nothing for a transition without effects', async () => {
    await newStock('stool', 1)
    const stool = await newOrder('stool')
    const before = (await effectEvents()).length
    await asBuyer().records.transition({ id: stool.id, name: 'cancel' })
    expect(await stockCount('stool')).toBe(1)
    expect(await effectEvents()).toHaveLength(before)
  })

  it('applies a transition raced twice once, and its effect with it', async () => {
    for (let round = 0; round < 5; round++) {
      const item = `clock-${round}`
      await newStock(item, 10)
      const clock = await newOrder(item)
      const outcomes = await race(
        asBuyer().records.transition({ id: clock.id, name: 'pay' }),
        asBuyer().records.transition({ id: clock.id, name: 'pay' }),
      )
      expect([...outcomes].sort()).toEqual(['CONFLICT: Cannot pay a orders record in state paid', 'ok'])
      expect(await stockCount(item)).toBe(9)
    }
  })

  it('lets exactly one of two orders through when the stock covers one', async () => {
    for (let round = 0; round < 5; round++) {
      const item = `last-${round}`
      await newStock(item, 1)
      const first = await newOrder(item)
      const second = await newOrder(item)
      const outcomes = await race(
        asBuyer().records.transition({ id: first.id, name: 'pay' }),
        asBuyer().records.transition({ id: second.id, name: 'pay' }),
      )
      expect([...outcomes].sort()).toEqual([
        expect.stringMatching(/^PRECONDITION_FAILED: orders\.pay would store invalid stock data/),
        'ok',
      ])
      expect(await stockCount(item)).toBe(0)
      const statuses = [await statusOf(first.id), await statusOf(second.id)].sort()
      expect(statuses).toEqual(['open', 'paid'])
    }
  })
})
