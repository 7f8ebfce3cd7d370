import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../../testing/api-harness.js'
import { failure } from '../../testing/call-failure.js'
import { race } from '../../testing/race.js'
import { addAmounts } from './orb-amounts.js'
import { orbPreset } from './orb-preset.js'

describe('addAmounts', () => {
  it('adds decimal amounts without floating-point drift', () => {
    expect(addAmounts(0.1, 0.2)).toBe(0.3)
    expect(addAmounts(300, -4.2)).toBe(295.8)
    expect(addAmounts(295.8, -4.2)).toBe(291.6)
    expect(addAmounts(1e-7, 1)).toBe(1.0000001)
  })
})

// Orb's economy as its preset runs it: execute pays the merchant (the charge's merchant
// party, the shop's owner) from the payer (the charge's owner), reverse pays the payer back.
describe('Orb balances move with charges', () => {
  let h: ApiHarness
  // issuer (admin) ─┬─ merchant ── consumer, poorConsumer
  //                 ├─ rival ── rivalConsumer
  //                 ├─ bare (a merchant with no balance)
  //                 └─ alice, bob (each pays the other's shop)
  const ids: Record<string, string> = {}
  const shops: Record<string, string> = {}
  const issuer = () => h.callAs(h.adminId)
  const as = (name: string) => h.callAs(ids[name]!)

  /** The amount of `userId`'s balance in `currency`, read straight from the table. */
  async function balance(userId: string, currency = 'EUR') {
    const rows = await h.database.db
      .selectFrom('records')
      .innerJoin('entity_types', 'entity_types.id', 'records.entity_type_id')
      .select('records.data')
      .where('entity_types.name', '=', 'balances')
      .where('records.owner_id', '=', userId)
      .execute()
    const held = rows.map((row) => row.data as { amount: number; currency: string })
    return held.find((row) => row.currency === currency)?.amount
  }
  const fund = (ownerId: string, amount: number, currency = 'EUR') =>
    issuer().records.create({ entityType: 'balances', ownerId, data: { amount, currency } })

  /** A charge the consumer `payer` starts for `shop`. */
  async function startedCharge(payer: string, shop: string, amount: number, currency = 'EUR') {
    const charge = await as(payer).records.create({
      entityType: 'charges',
      data: { amount, currency, shopId: shops[shop] },
    })
    await as(payer).records.transition({ id: charge.id, name: 'start' })
    return charge.id
  }
  /** A started charge owned by `payer`, made by the issuer (for users without the consumer role). */
  async function issuedCharge(payer: string, shop: string, amount: number) {
    const charge = await issuer().records.create({
      entityType: 'charges',
      ownerId: ids[payer],
      data: { amount, currency: 'EUR', shopId: shops[shop] },
    })
    await issuer().records.transition({ id: charge.id, name: 'start' })
    return charge.id
  }
  const statusOf = async (id: string) => (await issuer().records.get({ id })).status

  beforeAll(async () => {
    h = await createApiHarness({ preset: orbPreset })
    const user = async (name: string, parent: string, role?: string) => {
      ids[name] = await h.addUser(`${name}@example.com`, parent)
      if (role) await issuer().users.assignRole({ id: ids[name]!, role })
    }
    await user('merchant', h.adminId, 'merchant')
    await user('rival', h.adminId, 'merchant')
    await user('bare', h.adminId, 'merchant')
    await user('consumer', ids.merchant!, 'consumer')
    await user('poorConsumer', ids.merchant!, 'consumer')
    await user('rivalConsumer', ids.rival!, 'consumer')
    await user('alice', h.adminId)
    await user('bob', h.adminId)
    for (const owner of ['merchant', 'rival', 'bare', 'alice', 'bob']) {
      shops[owner] = (
        await issuer().records.create({ entityType: 'shops', ownerId: ids[owner], data: { name: owner } })
      ).id
    }
    await fund(ids.merchant!, 0)
    await fund(ids.consumer!, 100)
    await fund(ids.poorConsumer!, 5)
    await fund(ids.alice!, 1000)
    await fund(ids.bob!, 1000)
  })
  afterAll(() => h.dispose())

  it('execute moves the amount from the payer to the merchant; reverse moves it back', async () => {
    const before = { consumer: await balance(ids.consumer!), merchant: await balance(ids.merchant!) }
    const charge = await startedCharge('consumer', 'merchant', 12.5)
    const executed = await as('merchant').records.transition({ id: charge, name: 'execute' })
    expect(executed).toMatchObject({ status: 'executed', data: { amount: 12.5 } })
    expect(await balance(ids.consumer!)).toBe(addAmounts(before.consumer!, -12.5))
    expect(await balance(ids.merchant!)).toBe(addAmounts(before.merchant!, 12.5))
    // Audited as the merchant's execute: the two balances it moved, in the same request.
    const events = await h.database.db
      .selectFrom('audit_events')
      .select(['procedure', 'actor_id', 'request_id'])
      .where('permission', '=', 'charges.execute')
      .where('actor_id', '=', ids.merchant!)
      .orderBy('occurred_at')
      .execute()
    const transition = events.find((event) => event.procedure === 'records.transition')
    expect(events.filter((event) => event.request_id === transition?.request_id)).toEqual([
      { procedure: 'effect:balances.update', actor_id: ids.merchant, request_id: transition?.request_id },
      { procedure: 'effect:balances.update', actor_id: ids.merchant, request_id: transition?.request_id },
      { procedure: 'records.transition', actor_id: ids.merchant, request_id: transition?.request_id },
    ])

    await as('merchant').records.transition({ id: charge, name: 'reverse' })
    expect(await balance(ids.consumer!)).toBe(before.consumer)
    expect(await balance(ids.merchant!)).toBe(before.merchant)
  })

  it('refuses an execute the payer cannot cover, and changes nothing', async () => {
    const charge = await startedCharge('poorConsumer', 'merchant', 5.01)
    const merchantBefore = await balance(ids.merchant!)
    const error = await failure(as('merchant').records.transition({ id: charge, name: 'execute' }))
    expect([error.code, error.message]).toEqual([
      'PRECONDITION_FAILED',
      "Insufficient funds: the payer's EUR balance does not cover 5.01 EUR",
    ])
    expect(error).toMatchObject({ reason: 'TRANSITION_REFUSED' })
    expect(await statusOf(charge)).toBe('started')
    expect(await balance(ids.poorConsumer!)).toBe(5)
    expect(await balance(ids.merchant!)).toBe(merchantBefore)
    // Exactly the balance is enough.
    const exact = await startedCharge('poorConsumer', 'merchant', 5)
    await as('merchant').records.transition({ id: exact, name: 'execute' })
    expect(await balance(ids.poorConsumer!)).toBe(0)
  })

  it('refuses a reverse the merchant cannot cover', async () => {
    const charge = await issuedCharge('alice', 'rival', 30)
    await fund(ids.rival!, 0, 'USD')
    await fund(ids.rival!, 0)
    await issuer().records.transition({ id: charge, name: 'execute' })
    expect(await balance(ids.rival!)).toBe(30)
    // The rival spends it meanwhile (its balance set by the issuer).
    const [rivalBalance] = (
      await issuer().records.list({ entityType: 'balances', ownerId: ids.rival! })
    ).items.filter((item) => item.data.currency === 'EUR')
    await issuer().records.update({ id: rivalBalance!.id, data: { amount: 10, currency: 'EUR' } })
    const error = await failure(issuer().records.transition({ id: charge, name: 'reverse' }))
    expect([error.code, error.message]).toEqual([
      'PRECONDITION_FAILED',
      "Insufficient funds: the merchant's EUR balance does not cover 30 EUR",
    ])
    expect(await statusOf(charge)).toBe('executed')
    expect(await balance(ids.rival!)).toBe(10)
  })

  it('refuses when a side has no balance in the currency, or the charge names no shop', async () => {
    const usd = await startedCharge('consumer', 'merchant', 1, 'USD')
    const noPayerBalance = await failure(as('merchant').records.transition({ id: usd, name: 'execute' }))
    expect([noPayerBalance.code, noPayerBalance.message]).toEqual([
      'PRECONDITION_FAILED',
      'The payer has no USD balance',
    ])
    const rivalCharge = await startedCharge('rivalConsumer', 'rival', 1)
    await fund(ids.rivalConsumer!, 50)
    await fund(ids.rivalConsumer!, 50)
    const twoBalances = await failure(as('rival').records.transition({ id: rivalCharge, name: 'execute' }))
    expect(twoBalances.message).toBe('The payer has more than one EUR balance')
    const bareCharge = await startedCharge('consumer', 'bare', 1)
    const noMerchantBalance = await failure(issuer().records.transition({ id: bareCharge, name: 'execute' }))
    expect(noMerchantBalance.message).toBe('The merchant has no EUR balance')
    const unshopped = await as('consumer').records.create({
      entityType: 'charges',
      data: { amount: 1, currency: 'EUR' },
    })
    await as('consumer').records.transition({ id: unshopped.id, name: 'start' })
    // No shop, no merchant party: only a caller at ALL reaches it, and the effect refuses.
    expect(
      (await failure(as('merchant').records.transition({ id: unshopped.id, name: 'execute' }))).code,
    ).toBe('NOT_FOUND')
    const noShop = await failure(issuer().records.transition({ id: unshopped.id, name: 'execute' }))
    expect([noShop.code, noShop.message]).toEqual([
      'PRECONDITION_FAILED',
      'The charge names no shop, so there is no merchant to pay',
    ])
    for (const id of [usd, rivalCharge, bareCharge, unshopped.id]) expect(await statusOf(id)).toBe('started')
  })

  it("pays the charge's merchant party: once its user is deleted, there is no merchant to pay", async () => {
    ids.closing = await h.addUser('closing@example.com', h.adminId)
    await issuer().users.assignRole({ id: ids.closing, role: 'merchant' })
    shops.closing = (
      await issuer().records.create({ entityType: 'shops', ownerId: ids.closing, data: { name: 'closing' } })
    ).id
    await fund(ids.closing, 0)
    const id = await startedCharge('consumer', 'closing', 1)
    const before = await balance(ids.consumer!)
    // The shop and the balance go to the issuer, which does not become the charge's merchant
    // (paying the shop's owner now would pay the issuer).
    await issuer().users.delete({ id: ids.closing })
    const refused = await failure(issuer().records.transition({ id, name: 'execute' }))
    expect([refused.code, refused.message]).toEqual(['PRECONDITION_FAILED', 'The charge has no merchant'])
    expect(await statusOf(id)).toBe('started')
    expect(await balance(ids.consumer!)).toBe(before)
    expect(await balance(h.adminId)).toBe(0)
  })

  it('applies racing executes of one charge once, and moves the amount once', async () => {
    for (let round = 0; round < 4; round++) {
      const before = { consumer: await balance(ids.consumer!), merchant: await balance(ids.merchant!) }
      const charge = await startedCharge('consumer', 'merchant', 2)
      const outcomes = await race(
        as('merchant').records.transition({ id: charge, name: 'execute' }),
        issuer().records.transition({ id: charge, name: 'execute' }),
      )
      expect([...outcomes].sort()).toEqual([
        'CONFLICT: Cannot execute a charges record in state executed',
        'ok',
      ])
      expect(await balance(ids.consumer!)).toBe(addAmounts(before.consumer!, -2))
      expect(await balance(ids.merchant!)).toBe(addAmounts(before.merchant!, 2))
    }
  })

  it('lets exactly one of two racing charges through when the payer covers only one', async () => {
    for (let round = 0; round < 4; round++) {
      const [poorBalance] = (
        await issuer().records.list({ entityType: 'balances', ownerId: ids.poorConsumer! })
      ).items
      await issuer().records.update({ id: poorBalance!.id, data: { amount: 7, currency: 'EUR' } })
      const merchantBefore = await balance(ids.merchant!)
      const first = await startedCharge('poorConsumer', 'merchant', 5)
      const second = await startedCharge('poorConsumer', 'merchant', 5)
      const outcomes = await race(
        as('merchant').records.transition({ id: first, name: 'execute' }),
        issuer().records.transition({ id: second, name: 'execute' }),
      )
      expect([...outcomes].sort()).toEqual([
        "PRECONDITION_FAILED: Insufficient funds: the payer's EUR balance does not cover 5 EUR",
        'ok',
      ])
      expect(await balance(ids.poorConsumer!)).toBe(2)
      expect(await balance(ids.merchant!)).toBe(addAmounts(merchantBefore!, 5))
      expect([await statusOf(first), await statusOf(second)].sort()).toEqual(['executed', 'started'])
    }
  })

  it('runs transfers in opposite directions at once without a deadlock', async () => {
    for (let round = 0; round < 4; round++) {
      const aliceToBob = await issuedCharge('alice', 'bob', 3)
      const bobToAlice = await issuedCharge('bob', 'alice', 3)
      const before = { alice: await balance(ids.alice!), bob: await balance(ids.bob!) }
      const outcomes = await race(
        issuer().records.transition({ id: aliceToBob, name: 'execute' }),
        issuer().records.transition({ id: bobToAlice, name: 'execute' }),
      )
      expect(outcomes).toEqual(['ok', 'ok'])
      expect(await balance(ids.alice!)).toBe(before.alice)
      expect(await balance(ids.bob!)).toBe(before.bob)
    }
  })
})
