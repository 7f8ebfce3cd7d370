import { policyScope } from '@trellis/core'
import { bindRole, type TrellisDatabase } from '@trellis/db'
import { createTrellisClient, isTrellisError, type TrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEnv } from './env.js'
import { createLogger } from './logger.js'
import { startServer } from './start-server.js'
import { spawnServerProcess } from './testing/spawn-server-process.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }

/** A policy over `stations` with these limits, and a service account holding it; its API key. */
async function consumerOf(
  server: TestServer,
  admin: TrellisClient,
  adminId: string,
  policy: { name: string; quota?: number; rate?: number },
): Promise<string> {
  const db = server.database.db
  const { id: policyId } = await db
    .insertInto('policies')
    .values({
      name: policy.name,
      quota_calls: policy.quota ?? null,
      quota_period: policy.quota ? 'day' : null,
      rate_per_second: policy.rate ?? null,
      legal: JSON.stringify({ licence: 'CC-BY-4.0' }),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const { id: entityTypeId } = await db
    .selectFrom('entity_types')
    .select('id')
    .where('name', '=', 'stations')
    .executeTakeFirstOrThrow()
  await db.insertInto('policy_types').values({ policy_id: policyId, entity_type_id: entityTypeId }).execute()
  const service = await admin.users.create.mutate({
    email: `${policy.name.toLowerCase()}@example.com`,
    kind: 'service',
    parentId: adminId,
  })
  await bindRole(db, {
    userId: service.id,
    roleId: await roleId(db, 'station-reader'),
    scope: policyScope(policy.name),
  })
  return (await admin.apiKeys.create.mutate({ userId: service.id, name: 'feed' })).key
}

async function roleId(db: TrellisDatabase, name: string): Promise<string> {
  return (await db.selectFrom('roles').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id
}

/** Starts a server with the `stations` type, two records and a role reading records (bound per policy). */
async function startWithStations(): Promise<{ server: TestServer; admin: TrellisClient; adminId: string }> {
  const server = await startTestServer()
  const admin = createTrellisClient({ url: server.trpcUrl })
  const { user } = await admin.auth.login.mutate(ADMIN)
  await admin.entityTypes.create.mutate({
    name: 'stations',
    schema: { type: 'object', properties: { region: { type: 'string' } } },
  })
  for (const region of ['north', 'south'])
    await admin.records.create.mutate({ entityType: 'stations', ownerId: user.id, data: { region } })
  await admin.roles.create.mutate({ name: 'station-reader', grants: { 'records.read': 'ALL' } })
  return { server, admin, adminId: user.id }
}

/** The code of each call's failure, `ok` for each success. */
async function outcomesOf(calls: Promise<unknown>[]): Promise<string[]> {
  return (await Promise.allSettled(calls)).map((outcome) => {
    if (outcome.status === 'fulfilled') return 'ok'
    if (!isTrellisError(outcome.reason)) throw outcome.reason
    return outcome.reason.data?.code ?? 'no code'
  })
}

describe('a policy limit over HTTP', () => {
  let server: TestServer
  let admin: TrellisClient
  let adminId: string
  beforeAll(async () => {
    ;({ server, admin, adminId } = await startWithStations())
  })
  afterAll(() => server.stop())

  const listThrough = (policy: string, key: string) =>
    fetch(
      `${server.trpcUrl}/records.list?input=${encodeURIComponent(JSON.stringify({ entityType: 'stations', policy }))}`,
      {
        headers: { authorization: `Bearer ${key}` },
      },
    )

  it('answers 429 with Retry-After in seconds until the quota resets, and resetsAt in the body', async () => {
    const key = await consumerOf(server, admin, adminId, { name: 'dailyFeed', quota: 2 })
    for (let call = 0; call < 2; call++) {
      const allowed = await listThrough('dailyFeed', key)
      expect(allowed.status).toBe(200)
      expect(allowed.headers.get('retry-after')).toBeNull()
    }
    const refused = await listThrough('dailyFeed', key)
    const now = Date.now()
    expect(refused.status).toBe(429)
    const body = (await refused.json()) as { error: { data: { reason: string; resetsAt: string } } }
    const midnight = new Date(now)
    midnight.setUTCHours(24, 0, 0, 0)
    expect(body.error.data.reason).toBe('POLICY_LIMIT_REACHED')
    expect(body.error.data.resetsAt).toBe(midnight.toISOString())
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(Number.isInteger(retryAfter)).toBe(true)
    expect(Math.abs(retryAfter - Math.ceil((midnight.getTime() - now) / 1000))).toBeLessThanOrEqual(2)
    // Audited: the two reads let through and the one refused, each with the policy.
    const events = await server.database.db
      .selectFrom('audit_events')
      .select(['outcome', 'error_code'])
      .where('policy', '=', 'dailyFeed')
      .orderBy('occurred_at')
      .execute()
    expect(events).toEqual([
      { outcome: 'allowed', error_code: null },
      { outcome: 'allowed', error_code: null },
      { outcome: 'denied', error_code: 'TOO_MANY_REQUESTS' },
    ])
  })

  it('counts nothing for a call refused before the meters: a disabled policy, one not held', async () => {
    const key = await consumerOf(server, admin, adminId, { name: 'pausedFeed', quota: 5, rate: 5 })
    await consumerOf(server, admin, adminId, { name: 'otherFeed', quota: 5 })
    const db = server.database.db
    await db.updateTable('policies').set({ enabled: false }).where('name', '=', 'pausedFeed').execute()
    const disabled = await listThrough('pausedFeed', key)
    expect(disabled.status).toBe(403)
    expect(((await disabled.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe(
      'POLICY_DISABLED',
    )
    expect((await listThrough('otherFeed', key)).status).toBe(404)
    const counted = await db
      .selectFrom('policy_usage')
      .innerJoin('policies', 'policies.id', 'policy_usage.policy_id')
      .select('policies.name')
      .where('policies.name', 'in', ['pausedFeed', 'otherFeed'])
      .execute()
    expect(counted).toEqual([])
  })

  it('says Retry-After 1 for the rate, and nothing on other refusals', async () => {
    const key = await consumerOf(server, admin, adminId, { name: 'burstFeed', rate: 1 })
    // Four calls at once span at most two seconds here: one at least is refused.
    const answers = await Promise.all(Array.from({ length: 4 }, () => listThrough('burstFeed', key)))
    const refused = answers.filter((answer) => answer.status === 429)
    expect(refused.length).toBeGreaterThan(0)
    for (const answer of refused) expect(answer.headers.get('retry-after')).toBe('1')
    const unknown = await listThrough('noSuchFeed', key)
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get('retry-after')).toBeNull()
  })
})

describe('a policy limit held by two servers on one database', () => {
  let server: TestServer
  let admin: TrellisClient
  let adminId: string
  let urls: string[]
  let stopAll: () => Promise<unknown>

  beforeAll(async () => {
    ;({ server, admin, adminId } = await startWithStations())
    const { databaseUrl, schema } = server.database.config
    if (databaseUrl && schema) {
      // PostgreSQL: two real server processes, as two instances behind a load balancer.
      const instances = [0, 1].map(() =>
        spawnServerProcess({
          DATABASE_URL: databaseUrl,
          TRELLIS_DATABASE_SCHEMA: schema,
          TRELLIS_ADMIN_PASSWORD: ADMIN.password,
        }),
      )
      const listening = await Promise.all(
        instances.map((instance) => instance.waitForLog((line) => line.msg === 'Trellis is listening')),
      )
      urls = listening.map((line) => `${line.url}/trpc`)
      stopAll = () =>
        Promise.all(
          instances.map((instance) => {
            instance.child.kill('SIGTERM')
            return instance.exited
          }),
        )
    } else {
      // PGlite's data is one process's: two servers in this process, on the same database.
      const servers = await Promise.all(
        [0, 1].map(() =>
          startServer({
            env: readEnv({ PORT: '0', LOG_LEVEL: 'silent', TRELLIS_ADMIN_PASSWORD: ADMIN.password }),
            logger: createLogger('silent'),
            database: { db: server.database.db, dialect: server.database.dialect },
          }),
        ),
      )
      urls = servers.map((second) => second.trpcUrl)
      stopAll = () => Promise.all(servers.map((second) => second.close()))
    }
  }, 120_000)
  afterAll(async () => {
    await stopAll?.()
    await server.stop()
  })

  /** `count` reads through `policy` fired at once, alternately at each server, each its own request. */
  function burst(policy: string, key: string, count: number) {
    return outcomesOf(
      Array.from({ length: count }, (_, index) =>
        createTrellisClient({ url: urls[index % urls.length]!, apiKey: key }).records.list.query({
          entityType: 'stations',
          policy,
        }),
      ),
    )
  }

  it('lets exactly the quota through of reads racing on both servers', async () => {
    const key = await consumerOf(server, admin, adminId, { name: 'sharedFeed', quota: 7 })
    const outcomes = await burst('sharedFeed', key, 30)
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(7)
    expect(outcomes.filter((outcome) => outcome === 'TOO_MANY_REQUESTS')).toHaveLength(23)
    const { calls } = await server.database.db
      .selectFrom('policy_usage')
      .innerJoin('policies', 'policies.id', 'policy_usage.policy_id')
      .select('calls')
      .where('policies.name', '=', 'sharedFeed')
      .executeTakeFirstOrThrow()
    expect(calls).toBe(7)
    // The quota is spent whichever server is asked next.
    for (const url of urls) {
      const client = createTrellisClient({ url, apiKey: key })
      const next = await outcomesOf([
        client.records.list.query({ entityType: 'stations', policy: 'sharedFeed' }),
      ])
      expect(next).toEqual(['TOO_MANY_REQUESTS'])
    }
  })

  it('lets no more than the rate through in any second of reads racing on both servers', async () => {
    const key = await consumerOf(server, admin, adminId, { name: 'rateFeed', rate: 3 })
    // Start at a second's start, so the burst most likely falls in one window.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5))
    const started = Math.floor(Date.now() / 1000)
    const outcomes = await burst('rateFeed', key, 20)
    const windows = Math.floor(Date.now() / 1000) - started + 1
    const allowed = outcomes.filter((outcome) => outcome === 'ok').length
    expect(
      outcomes.filter((outcome) => outcome !== 'ok').every((outcome) => outcome === 'TOO_MANY_REQUESTS'),
    ).toBe(true)
    expect(allowed).toBeGreaterThanOrEqual(3)
    expect(allowed).toBeLessThanOrEqual(3 * windows)
  })
})
