import { DEMO_WORLD_WARNING, type DemoCredential } from '@trellis/api'
import { createTrellisClient, type TrellisClient } from '@trellis/sdk'
import { describe, expect, it } from 'vitest'
import { failureCode } from './testing/call-failure.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

/** The demo users a server logged, from its one announcement (the test fails on none or several). */
function announcedDemoUsers(server: TestServer): DemoCredential[] {
  const lines = server.logs.filter((line) => line.msg === DEMO_WORLD_WARNING)
  expect(lines).toHaveLength(1)
  expect(lines[0]!.level).toBe(40) // warn
  return lines[0]!.demoUsers as DemoCredential[]
}

async function signIn(server: TestServer, user: DemoCredential): Promise<TrellisClient> {
  const client = createTrellisClient({ url: server.trpcUrl })
  const { user: me } = await client.auth.login.mutate({ email: user.email, password: user.password })
  expect(me.email).toBe(user.email)
  return client
}

const listOf = async (client: TrellisClient, entityType: string) =>
  (await client.records.list.query({ entityType, limit: 100 })).items

/** What each demo role sees at once: one read it is allowed, and one it is not, per role. */
const EXPECTED_READS: Record<string, Record<string, (client: TrellisClient) => Promise<void>>> = {
  bitbroker: {
    contributor: async (client) => {
      expect((await listOf(client, 'sensors')).map((record) => record.data.site).sort()).toEqual([
        'Basement',
        'Rooftop',
      ])
      expect(await failureCode(client.records.create.mutate({ entityType: 'nothing', data: {} }))).toBe(
        'NOT_FOUND',
      )
    },
    // Only through its policy: the north's sensors, without the operator's email, with the terms.
    consumer: async (client) => {
      const feed = await client.records.list.query({ entityType: 'sensors', policy: 'partnerFeed' })
      expect(
        feed.items.map((record) => record.data).sort((a, b) => String(a.site).localeCompare(String(b.site))),
      ).toEqual([
        { site: 'Basement', region: 'north', celsius: 12 },
        { site: 'Rooftop', region: 'north', celsius: 18.5 },
      ])
      expect(feed.policy?.legal.licence).toBe('CC BY 4.0')
      // What it may read, and the call it just made on its quota.
      const [mine] = (await client.policies.mine.query()).policies
      expect(mine).toMatchObject({
        name: 'partnerFeed',
        types: { sensors: { masks: ['operatorEmail'] } },
        quota: { calls: 1000, period: 'day' },
      })
      expect(mine?.usage.quota).toMatchObject({ used: 1, remaining: 999 })
      expect(await failureCode(client.records.list.query({ entityType: 'sensors' }))).toBe('FORBIDDEN')
      expect(
        await failureCode(client.records.create.mutate({ entityType: 'sensors', data: { site: 'x' } })),
      ).toBe('FORBIDDEN')
    },
  },
  bobsled: {
    member: async (client) => {
      expect((await client.users.list.query({ limit: 100 })).items).toHaveLength(6)
      expect(
        await failureCode(
          client.users.update.mutate({ id: (await client.auth.me.query()).id, displayName: 'x' }),
        ),
      ).toBe('FORBIDDEN')
    },
    fulfillment: async (client) => {
      expect((await listOf(client, 'shares')).map((share) => share.data.name)).toEqual(['Quarterly sales'])
      expect(await failureCode(client.records.list.query({ entityType: 'webhooks' }))).toBe('FORBIDDEN')
    },
    integrator: async (client) => {
      expect((await listOf(client, 'dataSources')).map((source) => source.data.name)).toEqual(['Warehouse'])
      expect(await failureCode(client.records.list.query({ entityType: 'shares' }))).toBe('FORBIDDEN')
    },
    consumer: async (client) => {
      expect(await listOf(client, 'shares')).toHaveLength(1)
      expect(await listOf(client, 'transfers')).toHaveLength(1)
      expect(await failureCode(client.records.list.query({ entityType: 'dataSources' }))).toBe('FORBIDDEN')
    },
    viewer: async (client) => {
      expect(await listOf(client, 'transfers')).toHaveLength(1)
      expect(
        await failureCode(client.records.create.mutate({ entityType: 'shares', data: { name: 'Mine' } })),
      ).toBe('FORBIDDEN')
    },
  },
  orb: {
    merchant: async (client) => {
      expect((await listOf(client, 'shops')).map((shop) => shop.data.name)).toEqual(['Corner café'])
      expect(await listOf(client, 'reports')).toHaveLength(1)
      // The consumer's charge at its shop: the merchant is its `merchant` party.
      expect((await listOf(client, 'charges')).map((charge) => charge.data.reference)).toEqual(['Coffee'])
    },
    consumer: async (client) => {
      expect((await listOf(client, 'balances')).map((balance) => balance.data.amount)).toEqual([100])
      expect(await listOf(client, 'shops')).toHaveLength(1)
      expect((await listOf(client, 'charges')).map((charge) => charge.data.reference)).toEqual(['Coffee'])
      expect(
        await failureCode(client.records.create.mutate({ entityType: 'shops', data: { name: 'Mine' } })),
      ).toBe('FORBIDDEN')
    },
  },
}

// TRELLIS_PRESET_DEMO=1 on the real server: the demo users sign in at once and see what
// their roles allow; a restart builds nothing again.
describe.each(Object.keys(EXPECTED_READS))('the %s demo world', (preset) => {
  it('logs each demo user once; each signs in and reads what its role allows; a restart adds nothing', async () => {
    const env = { TRELLIS_PRESET: preset, TRELLIS_PRESET_DEMO: '1' }
    const first = await startTestServer(env)
    try {
      const demoUsers = announcedDemoUsers(first)
      const reads = EXPECTED_READS[preset]!
      expect(demoUsers.map((user) => user.role).sort()).toEqual(Object.keys(reads).sort())
      for (const user of demoUsers) {
        expect(user.email).toBe(`${user.role}@demo.trellis.local`)
        expect(user.password.length).toBeGreaterThanOrEqual(16)
        await reads[user.role]!(await signIn(first, user))
      }
      const usersBefore = await first.database.db.selectFrom('users').select('id').execute()
      await first.close()

      // The same database again: it has users, so no demo world, no credentials.
      const again = await startTestServer(env, { database: first.database })
      try {
        expect(again.logs.filter((line) => line.msg === DEMO_WORLD_WARNING)).toEqual([])
        expect(again.logs.some((line) => line.msg === 'No demo world: the database already has users')).toBe(
          true,
        )
        expect(await again.database.db.selectFrom('users').select('id').execute()).toHaveLength(
          usersBefore.length,
        )
        // The passwords logged the first time still work: nothing was reset.
        await signIn(again, demoUsers[0]!)
      } finally {
        await again.stop()
      }
    } catch (error) {
      await first.database.dispose().catch(() => undefined)
      throw error
    }
  })
})

describe('without TRELLIS_PRESET_DEMO', () => {
  it('builds no demo world and logs no credentials', async () => {
    const server = await startTestServer({ TRELLIS_PRESET: 'bobsled' })
    try {
      expect(server.logs.filter((line) => line.msg === DEMO_WORLD_WARNING)).toEqual([])
      expect(await server.database.db.selectFrom('users').select('id').execute()).toHaveLength(1)
    } finally {
      await server.stop()
    }
  })
})
