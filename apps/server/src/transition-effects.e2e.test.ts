import { defineTransitionEffects, PRESETS } from '@trellis/api'
import { createTrellisClient, type TrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN } from './testing/replay/replay-world.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

// A host's own effect, given to startServer beside the preset's: it runs after Orb's
// execute has moved the balances, in the same call, and sees them moved.
const receipts = defineTransitionEffects(PRESETS.orb.entityTypes, {
  charges: {
    execute: async ({ record, records }) => {
      const [balance] = await records.find('balances', { ownerId: record.ownerId })
      await records.create('reports', {
        ownerId: record.ownerId,
        data: { period: `after ${record.id}`, total: balance?.data.amount as number },
      })
    },
  },
})

describe('transition effects in the server', () => {
  let server: TestServer
  let issuer: TrellisClient
  let issuerId: string

  beforeAll(async () => {
    server = await startTestServer({ TRELLIS_PRESET: 'orb' }, { effects: [receipts] })
    issuer = createTrellisClient({ url: server.trpcUrl })
    issuerId = (await issuer.auth.login.mutate(ADMIN)).user.id
  })
  afterAll(() => server.stop())

  it("runs the preset's effects, then the host's, in the transition's transaction", async () => {
    const payer = (await issuer.users.create.mutate({ email: 'payer@example.com', parentId: issuerId })).id
    const shop = await issuer.records.create.mutate({ entityType: 'shops', data: { name: 'Own shop' } })
    await issuer.records.create.mutate({
      entityType: 'balances',
      ownerId: payer,
      data: { amount: 50, currency: 'EUR' },
    })
    await issuer.records.create.mutate({ entityType: 'balances', data: { amount: 0, currency: 'EUR' } })
    const charge = await issuer.records.create.mutate({
      entityType: 'charges',
      ownerId: payer,
      data: { amount: 20, currency: 'EUR', shopId: shop.id },
    })
    await issuer.records.transition.mutate({ id: charge.id, name: 'start' })
    await issuer.records.transition.mutate({ id: charge.id, name: 'execute' })
    const reports = await issuer.records.list.query({ entityType: 'reports', ownerId: payer })
    expect(reports.items.map((report) => report.data)).toEqual([{ period: `after ${charge.id}`, total: 30 }])
  })
})
