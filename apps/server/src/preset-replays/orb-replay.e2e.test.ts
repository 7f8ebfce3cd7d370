import { randomUUID } from 'node:crypto'
import { type OrbAccount, type OrbRole, type OrbWorld, orbSeedTable } from '@trellis/api/testing'
import { createTrellisClient, entityTypePermission, type TrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addPerson } from '../testing/add-person.js'
import { callFailure, failureCode } from '../testing/call-failure.js'
import { type ReplayCast, replaySeedTable } from '../testing/replay/replay-seed-table.js'
import {
  ADMIN,
  addRoleUser,
  type PresetServer,
  ROLE_USER_PASSWORD,
  type RoleUser,
  startPresetServer,
} from '../testing/replay/replay-world.js'

const PASSWORD = ROLE_USER_PASSWORD

async function signIn(preset: PresetServer, account: OrbAccount): Promise<TrellisClient> {
  const client = createTrellisClient({ url: preset.server.trpcUrl })
  await client.auth.login.mutate({ email: account.email, password: account.password })
  return client
}

const CHARGE = { amount: 4.2, currency: 'EUR' }

// The Orb DLT preset against its seed: every permission line replayed for every role,
// then the two-step payment, the protected issuer and a permission switched at run time.
describe('Orb DLT preset replays its seed', () => {
  let preset: PresetServer
  let cast: ReplayCast<OrbRole, OrbWorld>
  let issuer: TrellisClient
  // The cast's merchant and consumer; the other merchant; the other consumers.
  let merchant: RoleUser
  let consumer: RoleUser
  let otherMerchant: RoleUser
  const consumers: string[] = []
  const otherConsumers: string[] = []

  /** A record the issuer makes for `ownerId`. */
  async function record(entityType: string, ownerId: string, data: Record<string, unknown>) {
    return (await issuer.records.create.mutate({ entityType, ownerId, data })).id
  }

  beforeAll(async () => {
    preset = await startPresetServer('orb')
    issuer = preset.admin
    const issuerId = preset.adminId
    // issuer -> two merchants -> two consumers each.
    merchant = await addRoleUser(preset, { name: 'merchant-a', parentId: issuerId, role: 'merchant' })
    otherMerchant = await addRoleUser(preset, { name: 'merchant-b', parentId: issuerId, role: 'merchant' })
    consumer = await addRoleUser(preset, { name: 'consumer-a1', parentId: merchant.id, role: 'consumer' })
    consumers.push(
      consumer.id,
      (await addRoleUser(preset, { name: 'consumer-a2', parentId: merchant.id, role: 'consumer' })).id,
    )
    for (const name of ['consumer-b1', 'consumer-b2']) {
      otherConsumers.push(
        (await addRoleUser(preset, { name, parentId: otherMerchant.id, role: 'consumer' })).id,
      )
    }
    const spare = await addPerson(preset.server.database.db, 'spare@example.com', PASSWORD, issuerId)
    preset.tree.set(spare, issuerId)

    // Shops: one per merchant, owned by it.
    const merchantShop = await record('shops', merchant.id, { name: 'A shop', address: '1 Main Street' })
    const otherShop = await record('shops', otherMerchant.id, { name: 'B shop' })
    // Balances of everyone, reports of several levels of the tree: SELF, OWNED and ALL differ.
    const everyone = [issuerId, merchant.id, otherMerchant.id, ...consumers, ...otherConsumers]
    for (const [index, ownerId] of everyone.entries()) {
      await record('balances', ownerId, { amount: 100 * index, currency: 'EUR' })
    }
    for (const ownerId of [
      issuerId,
      merchant.id,
      merchant.id,
      ...consumers,
      otherMerchant.id,
      otherConsumers[0]!,
    ]) {
      await record('reports', ownerId, { period: '2026-10', total: 42 })
    }

    const accounts = new Map<TrellisClient, OrbAccount>([
      [issuer, { id: issuerId, ...ADMIN }],
      [merchant.client, merchant],
      [consumer.client, consumer],
    ])
    const world: OrbWorld = {
      ids: { issuer: issuerId, merchant: merchant.id, otherConsumer: consumers[1]! },
      merchantShop,
      otherShop,
      account: (client) => accounts.get(client),
      spare: { id: spare, email: 'spare@example.com', password: PASSWORD },
      async charge(status, { shop = 'merchantShop', amount = CHARGE.amount } = {}) {
        const shopId = shop === 'merchantShop' ? merchantShop : otherShop
        const id = await record('charges', consumer.id, { ...CHARGE, amount, shopId })
        await issuer.records.transition.mutate({ id, name: 'start' })
        if (status === 'executed') await issuer.records.transition.mutate({ id, name: 'execute' })
        return id
      },
      async balances() {
        const eur = async (ownerId: string) => {
          const held = await issuer.records.list.query({ entityType: 'balances', ownerId })
          return held.items.find((balance) => balance.data.currency === 'EUR')?.data.amount as number
        }
        return { payer: await eur(consumer.id), merchant: await eur(merchant.id) }
      },
      statusOf: async (id) => (await issuer.records.get.query({ id })).status,
      async freshUser() {
        const email = `fresh-${randomUUID().slice(0, 8)}@example.com`
        const id = await addPerson(preset.server.database.db, email, PASSWORD, merchant.id)
        preset.tree.set(id, merchant.id)
        return id
      },
    }
    cast = {
      preset,
      users: { public: null, consumer, merchant, issuer: preset.adminUser },
      world,
    }
  })
  afterAll(() => preset?.stop())

  replaySeedTable(orbSeedTable, () => cast)

  it("the table names every permission of the seed's lists (and GET_OTHER_BALANCE) exactly once", () => {
    const seedNames = [
      'LOGIN',
      'RECOVER_PASSWORD',
      'GET_SHOPS',
      'GET_SERVER_METRICS',
      'GET_SERVER_VERSIONS',
      'GET_OWN_BALANCE',
      'START_QR_CHARGE',
      'GET_REPORTS_SELF',
      'GET_SHOP_INFO',
      'CHANGE_PASSWORD',
      'GET_REPORTS_OWN',
      'EXECUTE_QR_PAYMENT',
      'REVERSE_QR_PAYMENT',
      'UPDATE_SHOP_SELF',
      'GET_SELF_INFO',
      'GET_REPORTS_ALL',
      'GET_ECONOMY_BALANCE',
      'ADD_USER',
      'SEARCH_USERS',
      'DEACTIVATE_ANY_USER',
      'GET_USER_INFO',
      'UPDATE_USER_INFO',
      // In the seed's prose, not its lists.
      'GET_OTHER_BALANCE',
    ]
    // A line may come back with what more it checks in parentheses: `EXECUTE_QR_PAYMENT (moves ...)`.
    const lines = orbSeedTable.flatMap((row) => row.line.replace(/ \(.*\)$/, '').split(' / '))
    expect([...new Set(lines)].sort()).toEqual([...seedNames].sort())
    expect(new Set(orbSeedTable.map((row) => row.line)).size).toBe(orbSeedTable.length)
  })

  it('two-step payment: the consumer starts, only the merchant of the shop executes, once, then reverses', async () => {
    const started = await consumer.client.records.create.mutate({
      entityType: 'charges',
      data: { ...CHARGE, shopId: cast.world.merchantShop },
    })
    expect(started).toMatchObject({
      ownerId: consumer.id,
      status: 'created',
      parties: { merchant: [merchant.id] },
    })
    expect(await consumer.client.records.transition.mutate({ id: started.id, name: 'start' })).toMatchObject({
      status: 'started',
    })

    // The consumer reads the charge it pays but may not execute it.
    expect(await consumer.client.records.get.query({ id: started.id })).toMatchObject({ status: 'started' })
    expect(
      await failureCode(consumer.client.records.transition.mutate({ id: started.id, name: 'execute' })),
    ).toBe('FORBIDDEN')
    // Another merchant is no party to the charge: it does not exist for it.
    expect(await failureCode(otherMerchant.client.records.get.query({ id: started.id }))).toBe('NOT_FOUND')
    expect(
      await failureCode(otherMerchant.client.records.transition.mutate({ id: started.id, name: 'execute' })),
    ).toBe('NOT_FOUND')

    // The merchant above the consumer executes twice at once, from two sessions: it applies once.
    const secondSession = await signIn(preset, merchant)
    const results = await Promise.allSettled([
      merchant.client.records.transition.mutate({ id: started.id, name: 'execute' }),
      secondSession.records.transition.mutate({ id: started.id, name: 'execute' }),
    ])
    const fulfilled = results.filter((result) => result.status === 'fulfilled')
    const rejected = results.filter((result) => result.status === 'rejected')
    expect(fulfilled).toHaveLength(1)
    expect(fulfilled[0]!.value).toMatchObject({ id: started.id, status: 'executed' })
    expect(rejected).toHaveLength(1)
    expect(await failureCode(Promise.reject(rejected[0]!.reason))).toBe('CONFLICT')
    expect(await issuer.records.get.query({ id: started.id })).toMatchObject({ status: 'executed' })

    // A third execute is a conflict too: the state machine, not the race, decides.
    expect(
      await callFailure(merchant.client.records.transition.mutate({ id: started.id, name: 'execute' })),
    ).toEqual({
      code: 'CONFLICT',
      message: 'Cannot execute a charges record in state executed',
    })

    expect(
      await merchant.client.records.transition.mutate({ id: started.id, name: 'reverse' }),
    ).toMatchObject({ status: 'reversed' })
    expect(await issuer.records.get.query({ id: started.id })).toMatchObject({
      ownerId: consumer.id,
      status: 'reversed',
    })

    // The issuer's audit log shows the one execute that applied, by the merchant.
    const audit = await issuer.audit.list.query({ permission: 'charges.execute', limit: 100 })
    const executes = audit.items.filter(
      (event) => event.targetId === started.id && event.outcome === 'allowed',
    )
    expect(executes).toHaveLength(1)
    expect(executes[0]).toMatchObject({
      actorId: merchant.id,
      procedure: 'records.transition',
      permission: 'charges.execute',
    })
    const reverses = await issuer.audit.list.query({ permission: 'charges.reverse', actorId: merchant.id })
    expect(reverses.items.some((event) => event.targetId === started.id && event.outcome === 'allowed')).toBe(
      true,
    )
  })

  it('the issuer is protected: its last holder cannot lose the role, be deactivated or deleted', async () => {
    const protectedRole = {
      code: 'CONFLICT',
      message:
        'This would leave the protected role "issuer" with no active holder: give it to another active user first',
    }
    expect((await issuer.roles.get.query({ name: 'issuer' })).protected).toBe(true)
    expect(
      await callFailure(issuer.users.unassignRole.mutate({ id: preset.adminId, role: 'issuer' })),
    ).toEqual(protectedRole)

    // Someone else who may deactivate and delete any user still cannot remove the last issuer.
    await issuer.roles.create.mutate({
      name: 'orb-operator',
      grants: { 'users.read': 'ALL', 'users.deactivate': 'ALL', 'users.delete': 'ALL' },
    })
    const operator = await addRoleUser(preset, {
      name: 'operator',
      parentId: preset.adminId,
      role: 'orb-operator',
    })
    expect(await callFailure(operator.client.users.deactivate.mutate({ id: preset.adminId }))).toEqual(
      protectedRole,
    )
    expect(await callFailure(operator.client.users.delete.mutate({ id: preset.adminId }))).toEqual(
      protectedRole,
    )
    expect(await issuer.users.get.query({ id: preset.adminId })).toMatchObject({ status: 'active' })
    expect(await issuer.users.roles.query({ id: preset.adminId })).toEqual([
      { role: 'issuer', protected: true, scope: null },
    ])

    // With a second issuer, one of them may lose the role: the guard counts holders.
    const second = await addRoleUser(preset, { name: 'issuer-two', parentId: preset.adminId, role: 'issuer' })
    await issuer.users.unassignRole.mutate({ id: second.id, role: 'issuer' })
    expect(await issuer.users.roles.query({ id: second.id })).toEqual([])
    expect(
      await callFailure(issuer.users.unassignRole.mutate({ id: preset.adminId, role: 'issuer' })),
    ).toEqual(protectedRole)
  })

  it('the issuer switches START_QR_CHARGE off for consumers at run time, and on again', async () => {
    const charge = () => consumer.client.records.create.mutate({ entityType: 'charges', data: CHARGE })
    await issuer.roles.setGrant.mutate({
      role: 'consumer',
      permission: entityTypePermission('charges', 'start'),
      grant: null,
    })
    try {
      expect((await issuer.roles.get.query({ name: 'consumer' })).grants).not.toHaveProperty('charges.start')
      const { id } = await charge()
      // The very next call is denied (the consumer reads its charge, so FORBIDDEN).
      expect(await failureCode(consumer.client.records.transition.mutate({ id, name: 'start' }))).toBe(
        'FORBIDDEN',
      )
      expect(await issuer.records.get.query({ id })).toMatchObject({ status: 'created' })
    } finally {
      await issuer.roles.setGrant.mutate({
        role: 'consumer',
        permission: entityTypePermission('charges', 'start'),
        grant: 'SELF',
      })
    }
    expect((await issuer.roles.get.query({ name: 'consumer' })).grants).toMatchObject({
      'charges.start': 'SELF',
    })
    const { id } = await charge()
    expect(await consumer.client.records.transition.mutate({ id, name: 'start' })).toMatchObject({
      status: 'started',
    })
  })
})
