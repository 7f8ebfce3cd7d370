import { randomUUID } from 'node:crypto'
import { entityTypeGrants } from '@trellis/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'

const PAYMENT_SCHEMA = {
  type: 'object',
  properties: {
    amount: { type: 'number' },
    reference: { type: 'string' },
    reason: { type: 'string' },
  },
  required: ['amount'],
  additionalProperties: false,
}

// Orb's two-step operation: a merchant starts a payment, only the issuer executes it.
const PAYMENT_MACHINE = {
  initial: 'new',
  transitions: {
    start: { from: ['new'], to: 'started' },
    execute: { from: ['started'], to: 'executed', fields: ['reference'] },
    reverse: { from: ['executed'], to: 'reversed', fields: ['reason'] },
    cancel: { from: ['new', 'started'], to: 'cancelled' },
  },
}

describe('records.transition', () => {
  let h: ApiHarness
  // admin ─┬─ issuer ─┬─ merchant
  //         │          └─ clerk
  //         └─ outsider
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)
  const as = (name: string) => h.callAs(ids[name]!)

  const newPayment = (amount = 10) =>
    as('merchant').records.create({ entityType: 'payments', data: { amount } })
  const statusOf = async (id: string) =>
    (
      await h.database.db
        .selectFrom('records')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).status

  beforeAll(async () => {
    h = await createApiHarness()
    ids.issuer = await h.addUser('issuer@example.com', h.adminId)
    ids.merchant = await h.addUser('merchant@example.com', ids.issuer)
    ids.clerk = await h.addUser('clerk@example.com', ids.issuer)
    ids.outsider = await h.addUser('outsider@example.com', h.adminId)
    await admin().entityTypes.create({
      name: 'payments',
      schema: PAYMENT_SCHEMA,
      stateMachine: PAYMENT_MACHINE,
    })
    await admin().entityTypes.create({ name: 'notes', schema: {} })
    await admin().entityTypes.create({
      name: 'orders',
      schema: {},
      stateMachine: { initial: 'open', transitions: { close: { from: ['open'], to: 'closed' } } },
    })
    // Roles through the API, as an administrator would set them up.
    await admin().roles.create({
      name: 'merchant',
      grants: entityTypeGrants({
        'payments.read': 'OWNED',
        'payments.create': 'OWNED',
        'payments.start': 'OWNED',
        'payments.cancel': 'SELF',
      }),
    })
    await admin().roles.create({
      name: 'issuer',
      grants: entityTypeGrants({
        'payments.read': 'OWNED',
        'payments.execute': 'OWNED',
        'payments.reverse': 'OWNED',
      }),
    })
    await admin().users.assignRole({ id: ids.merchant!, role: 'merchant' })
    await admin().users.assignRole({ id: ids.issuer!, role: 'issuer' })
    // A second executor: reaches the merchant's payments at UNION (its parent's subtree).
    await h.grant(ids.clerk!, { 'payments.read': 'UNION', 'payments.execute': 'UNION' })
    // Sees nothing of the merchant's, though it holds every transition for its own records.
    await h.grant(ids.outsider!, { 'records.read': 'SELF', 'records.transition': 'SELF' })
  })
  afterAll(() => h.dispose())

  it('starts a new record in the initial state', async () => {
    const payment = await newPayment()
    expect(payment.status).toBe('new')
  })

  it('lets one role start what only another may execute', async () => {
    const payment = await newPayment()
    const started = await as('merchant').records.transition({ id: payment.id, name: 'start' })
    expect(started.status).toBe('started')
    const refused = await failure(as('merchant').records.transition({ id: payment.id, name: 'execute' }))
    expect([refused.code, refused.message]).toEqual(['FORBIDDEN', 'Permission required: payments.execute'])
    expect(await statusOf(payment.id)).toBe('started')
    const executed = await as('issuer').records.transition({
      id: payment.id,
      name: 'execute',
      data: { reference: 'TX-1' },
    })
    expect(executed).toMatchObject({ status: 'executed', data: { amount: 10, reference: 'TX-1' } })
    // The issuer may execute but not start.
    const other = await newPayment()
    const start = await failure(as('issuer').records.transition({ id: other.id, name: 'start' }))
    expect(start.message).toBe('Permission required: payments.start')
  })

  it('applies each transition at its own level', async () => {
    const own = await newPayment()
    await expect(as('merchant').records.transition({ id: own.id, name: 'cancel' })).resolves.toMatchObject({
      status: 'cancelled',
    })
    // The merchant's kid payment is visible (read OWNED) but outside cancel's SELF.
    const kid = await h.addUser('kid@example.com', ids.merchant!)
    const kidPayment = await as('merchant').records.create({
      entityType: 'payments',
      ownerId: kid,
      data: { amount: 1 },
    })
    const error = await failure(as('merchant').records.transition({ id: kidPayment.id, name: 'cancel' }))
    expect([error.code, error.message]).toEqual(['FORBIDDEN', 'Permission required: payments.cancel'])
    // A name the type does not declare is a bad request, not a permission to ask for.
    const unknown = await failure(as('merchant').records.transition({ id: kidPayment.id, name: 'fly' }))
    expect([unknown.code, unknown.message]).toEqual([
      'BAD_REQUEST',
      'Entity type payments has no transition fly',
    ])
    await expect(
      as('merchant').records.transition({ id: kidPayment.id, name: 'start' }),
    ).resolves.toMatchObject({ status: 'started' })
  })

  it('answers NOT_FOUND for a record outside every level, exactly as for a missing id', async () => {
    const payment = await newPayment()
    const outside = await failure(as('outsider').records.transition({ id: payment.id, name: 'start' }))
    const unknownName = await failure(as('outsider').records.transition({ id: payment.id, name: 'fly' }))
    const missing = await failure(as('outsider').records.transition({ id: randomUUID(), name: 'start' }))
    for (const error of [outside, unknownName, missing]) {
      expect([error.code, error.message]).toEqual(['NOT_FOUND', 'Record not found'])
    }
    const anonymous = await failure(h.callAs(null).records.transition({ id: payment.id, name: 'start' }))
    expect(anonymous.code).toBe('NOT_FOUND')
    expect(await statusOf(payment.id)).toBe('new')
  })

  it('refuses a transition the type does not declare with BAD_REQUEST', async () => {
    const payment = await newPayment()
    const error = await failure(admin().records.transition({ id: payment.id, name: 'fly' }))
    expect([error.code, error.message]).toEqual(['BAD_REQUEST', 'Entity type payments has no transition fly'])
    // A type without a state machine has no transitions at all.
    const note = await admin().records.create({ entityType: 'notes', data: {} })
    expect(note.status).toBeNull()
    const none = await failure(admin().records.transition({ id: note.id, name: 'start' }))
    expect([none.code, none.message]).toEqual(['BAD_REQUEST', 'Entity type notes has no transition start'])
  })

  it('refuses a transition from the wrong state with CONFLICT', async () => {
    const payment = await newPayment()
    const early = await failure(as('issuer').records.transition({ id: payment.id, name: 'execute' }))
    expect([early.code, early.message]).toEqual(['CONFLICT', 'Cannot execute a payments record in state new'])
    await as('merchant').records.transition({ id: payment.id, name: 'start' })
    const twice = await failure(as('merchant').records.transition({ id: payment.id, name: 'start' }))
    expect(twice.code).toBe('CONFLICT')
    expect(await statusOf(payment.id)).toBe('started')
  })

  it("writes only the transition's fields, and checks the merged data against the schema", async () => {
    const payment = await newPayment(25)
    // start declares no fields at all.
    const noFields = await failure(
      as('merchant').records.transition({ id: payment.id, name: 'start', data: { reference: 'x' } }),
    )
    expect(noFields.code).toBe('BAD_REQUEST')
    expect(formatted(noFields).inputIssues).toEqual([
      { code: 'not_allowed', path: ['data', 'reference'], message: 'start may not write this field' },
    ])
    await as('merchant').records.transition({ id: payment.id, name: 'start' })
    const extra = await failure(
      as('issuer').records.transition({
        id: payment.id,
        name: 'execute',
        data: { reference: 'TX', amount: 1_000_000 },
      }),
    )
    expect(formatted(extra).inputIssues?.map((issue) => issue.path)).toEqual([['data', 'amount']])
    const badType = await failure(
      as('issuer').records.transition({ id: payment.id, name: 'execute', data: { reference: 42 } }),
    )
    expect(badType.code).toBe('BAD_REQUEST')
    expect(formatted(badType).inputIssues).toEqual([
      expect.objectContaining({ code: 'type', path: ['data', 'reference'] }),
    ])
    // Nothing of the refused calls stuck: state and data are as before.
    const stored = await as('merchant').records.get({ id: payment.id })
    expect(stored).toMatchObject({ status: 'started', data: { amount: 25 } })
    const done = await as('issuer').records.transition({
      id: payment.id,
      name: 'execute',
      data: { reference: 'TX-25' },
    })
    expect(done.data).toEqual({ amount: 25, reference: 'TX-25' })
    const reversed = await as('issuer').records.transition({
      id: payment.id,
      name: 'reverse',
      data: { reason: 'refund' },
    })
    expect(reversed).toMatchObject({
      status: 'reversed',
      data: { amount: 25, reference: 'TX-25', reason: 'refund' },
    })
  })

  it('lets a generic records.transition cover every transition of every type, within its level', async () => {
    // The outsider holds no create grant: the admin makes the order, for it.
    const create = await failure(as('outsider').records.create({ entityType: 'orders', data: {} }))
    expect(create.message).toBe('Permission required: orders.create')
    const order = await admin().records.create({ entityType: 'orders', ownerId: ids.outsider!, data: {} })
    expect(order.status).toBe('open')
    const closed = await as('outsider').records.transition({ id: order.id, name: 'close' })
    expect(closed.status).toBe('closed')
    const unknown = await failure(as('outsider').records.transition({ id: order.id, name: 'reopen' }))
    expect(unknown.code).toBe('BAD_REQUEST')
  })

  it('limits records.transition bound to one type to that type', async () => {
    const courier = await h.addUser('courier@example.com', h.adminId)
    await admin().roles.create({
      name: 'courier',
      grants: { 'records.read': 'ALL', 'records.transition': 'ALL' },
    })
    await admin().users.assignRole({ id: courier, role: 'courier', scope: 'entityType:orders' })
    const order = await admin().records.create({ entityType: 'orders', data: {} })
    await expect(
      h.callAs(courier).records.transition({ id: order.id, name: 'close' }),
    ).resolves.toMatchObject({
      status: 'closed',
    })
    const payment = await newPayment()
    const error = await failure(h.callAs(courier).records.transition({ id: payment.id, name: 'start' }))
    // The scoped read does not reach payments either: the record is not there for the courier.
    expect([error.code, error.message]).toEqual(['NOT_FOUND', 'Record not found'])
  })

  it('audits a transition, allowed or refused, under its own permission', async () => {
    const payment = await newPayment()
    await as('merchant').records.transition({ id: payment.id, name: 'start' })
    const events = await h.database.db
      .selectFrom('audit_events')
      .select(['permission', 'outcome', 'procedure'])
      .where('target_id', '=', payment.id)
      .execute()
    expect(events).toEqual([
      { permission: 'payments.start', outcome: 'allowed', procedure: 'records.transition' },
    ])
    await failure(as('merchant').records.transition({ id: payment.id, name: 'execute' }))
    const denied = await h.database.db
      .selectFrom('audit_events')
      .select(['permission', 'error_code'])
      .where('target_id', '=', payment.id)
      .where('outcome', '=', 'denied')
      .execute()
    expect(denied).toEqual([{ permission: 'payments.execute', error_code: 'FORBIDDEN' }])
  })

  it('applies a concurrent double execute exactly once', async () => {
    // Several rounds make an overlap of the two calls near certain on PostgreSQL; on PGlite
    // the calls serialise and the same must hold.
    for (let round = 0; round < 5; round++) {
      const payment = await newPayment(round)
      await as('merchant').records.transition({ id: payment.id, name: 'start' })
      const outcomes = await Promise.allSettled([
        as('issuer').records.transition({
          id: payment.id,
          name: 'execute',
          data: { reference: 'by-issuer' },
        }),
        as('clerk').records.transition({ id: payment.id, name: 'execute', data: { reference: 'by-clerk' } }),
      ])
      const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled')
      const rejected = outcomes.filter((outcome) => outcome.status === 'rejected')
      expect(fulfilled).toHaveLength(1)
      expect(rejected).toHaveLength(1)
      expect(rejected[0]!.reason).toMatchObject({
        code: 'CONFLICT',
        message: 'Cannot execute a payments record in state executed',
      })
      const winner = fulfilled[0]!.value
      const stored = await admin().records.get({ id: payment.id })
      expect(stored).toMatchObject({
        status: 'executed',
        data: { amount: round, reference: winner.data.reference },
      })
      const allowed = await h.database.db
        .selectFrom('audit_events')
        .select('permission')
        .where('target_id', '=', payment.id)
        .where('outcome', '=', 'allowed')
        .where('permission', '=', 'payments.execute')
        .execute()
      expect(allowed).toHaveLength(1)
    }
  })
})
