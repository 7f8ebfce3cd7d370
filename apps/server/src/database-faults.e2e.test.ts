import { randomBytes } from 'node:crypto'
import type { Mail } from '@trellis/api'
import { createDatabase, type TrellisDatabase } from '@trellis/db'
import {
  busyBackendCount,
  createTestDatabase,
  type TestDatabase,
  terminateBackends,
} from '@trellis/db/testing'
import { createTrellisClient, isTrellisError, type TrellisClient } from '@trellis/sdk'
import { afterAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './testing/start-test-server.js'
import { startTcpProxy } from './testing/tcp-proxy.js'

// The database fails under a running server (issue 10: a PostgreSQL restart under load
// killed the process). On the PostgreSQL run the faults are real: backends terminated
// with pg_terminate_backend, and a loopback proxy in front of PostgreSQL that is cut and
// restored. On the PGlite run there are no connections to lose; what applies there is the
// embedded database closing under the server.

const DATABASE_URL = process.env.DATABASE_URL
const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const UNAVAILABLE = {
  code: 'SERVICE_UNAVAILABLE',
  httpStatus: 503,
  reason: 'DATABASE_UNAVAILABLE',
  message: 'The database is unavailable; try again',
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `url` with its query string naming the connections, so a test can find them in pg_stat_activity. */
function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('application_name', name)
  return parsed.toString()
}

/** How a call through the SDK ended: its data, or its typed failure (anything else throws). */
async function outcomeOf(call: Promise<unknown>) {
  try {
    return { ok: true as const, data: await call }
  } catch (error) {
    if (!isTrellisError(error)) throw error
    return {
      ok: false as const,
      code: error.data?.code,
      httpStatus: error.data?.httpStatus,
      reason: error.data?.reason,
      message: error.message,
    }
  }
}

/** Polls `check` until it holds or `ms` pass; returns whether it held. */
async function eventually(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(50)
  }
  return check()
}

const healthOf = async (server: TestServer) => (await fetch(`${server.url}/health`)).status

async function signedInClient(server: TestServer): Promise<{ client: TrellisClient; adminId: string }> {
  const client = createTrellisClient({ url: server.trpcUrl })
  const { user } = await client.auth.login.mutate(ADMIN)
  return { client, adminId: user.id }
}

describe('the server under database faults', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('survives losing its connections under load: failed calls are 503, acknowledged writes are kept', async () => {
    const application = `trellis_faults_${randomBytes(4).toString('hex')}`
    const database = await createTestDatabase(DATABASE_URL && withApplicationName(DATABASE_URL, application))
    const server = await startTestServer({}, { database })
    cleanups.push(() => server.stop())
    const { client, adminId } = await signedInClient(server)

    const outcomes: Awaited<ReturnType<typeof outcomeOf>>[] = []
    const acknowledged: string[] = []
    let loading = true
    const worker = async (w: number) => {
      for (let i = 0; loading; i++) {
        if (i % 3 === 0) {
          const email = `w${w}-${i}@faults.example`
          const outcome = await outcomeOf(client.users.create.mutate({ email, parentId: adminId }))
          if (outcome.ok) acknowledged.push(email)
          outcomes.push(outcome)
        } else if (i % 3 === 1) outcomes.push(await outcomeOf(client.users.list.query({})))
        else outcomes.push(await outcomeOf(client.auth.me.query()))
      }
    }
    const load = Promise.all([0, 1, 2, 3].map(worker))

    let terminated = 0
    if (database.dialect === 'postgres' && DATABASE_URL) {
      // A separate admin connection ends the server's backends, four times during the load,
      // each time while at least one of them is busy (a call in flight is hit).
      const admin = await createDatabase({ databaseUrl: DATABASE_URL, maxConnections: 1 })
      try {
        for (let round = 0; round < 4; round++) {
          await sleep(300)
          await eventually(async () => (await busyBackendCount(admin, application)) > 0, 2000)
          terminated += await terminateBackends(admin, application)
        }
      } finally {
        await admin.destroy()
      }
    } else await sleep(2000)
    await sleep(300)
    loading = false
    await load

    const failures = outcomes.filter((outcome) => !outcome.ok)
    expect(outcomes.length).toBeGreaterThan(20)
    expect(acknowledged.length).toBeGreaterThan(0)
    // Every failure is the typed, retriable one: never a 500, never another code.
    for (const failure of failures) expect(failure).toEqual({ ok: false, ...UNAVAILABLE })
    if (database.dialect === 'postgres') {
      expect(terminated).toBeGreaterThan(0)
      expect(failures.length).toBeGreaterThan(0)
    } else expect(failures).toEqual([])

    // No acknowledged write was lost.
    const stored = await database.db
      .selectFrom('users')
      .select('email')
      .where('email', 'in', acknowledged)
      .execute()
    expect(stored.map((row) => row.email).sort()).toEqual([...acknowledged].sort())
    // Still serving, healthy, and calls succeed again without a restart.
    expect(await healthOf(server)).toBe(200)
    await expect(client.users.list.query({})).resolves.toMatchObject({ items: expect.any(Array) })
    expect(server.logs.filter((line) => line.msg === 'Call failed')).toEqual([])
  })

  it('answers 503 on /health and on calls while the database is unreachable, and recovers when it is back', async () => {
    if (!DATABASE_URL) {
      // PGlite lives in the process: it cannot become unreachable, only closed, which is for good.
      const server = await startTestServer()
      cleanups.push(() => server.stop())
      const { client, adminId } = await signedInClient(server)
      await server.database.db.destroy()
      expect(await healthOf(server)).toBe(503)
      expect(await outcomeOf(client.system.info.query())).toEqual({ ok: false, ...UNAVAILABLE })
      const write = client.users.create.mutate({ email: 'late@faults.example', parentId: adminId })
      expect(await outcomeOf(write)).toEqual({ ok: false, ...UNAVAILABLE })
      expect(await healthOf(server)).toBe(503)
      return
    }
    const target = new URL(DATABASE_URL)
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
    cleanups.push(() => proxy.close())
    const test = await createTestDatabase(DATABASE_URL)
    const proxied = new URL(DATABASE_URL)
    proxied.hostname = '127.0.0.1'
    proxied.port = String(proxy.port)
    const db: TrellisDatabase = await createDatabase({
      databaseUrl: proxied.toString(),
      schema: test.config.schema,
      maxConnections: 5,
      connectTimeoutMs: 1000,
    })
    const database: TestDatabase = {
      ...test,
      db,
      async dispose() {
        await db.destroy()
        await test.dispose()
      },
    }
    const mails: Mail[] = []
    const server = await startTestServer(
      {},
      { database, mailSender: { send: async (mail) => void mails.push(mail) } },
    )
    cleanups.push(() => server.stop())
    const { client } = await signedInClient(server)
    expect(await healthOf(server)).toBe(200)

    // Refused: every connection dropped, new ones refused. Health says so at once.
    await proxy.cut()
    let started = Date.now()
    expect(await healthOf(server)).toBe(503)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(await outcomeOf(client.system.info.query())).toEqual({ ok: false, ...UNAVAILABLE })
    expect(await outcomeOf(client.auth.requestPasswordReset.mutate({ email: ADMIN.email }))).toEqual({
      ok: false,
      ...UNAVAILABLE,
    })
    // The outbox worker meets the outage too, says so once, and keeps its timer.
    expect(
      await eventually(
        () => server.logs.some((line) => line.msg?.toString().startsWith('Outbox delivery paused')),
        3000,
      ),
    ).toBe(true)

    // Silent: connections are accepted but never answered. The connect timeout bounds health.
    await proxy.listen('hang')
    started = Date.now()
    expect(await healthOf(server)).toBe(503)
    expect(Date.now() - started).toBeLessThan(3000)
    await proxy.cut()

    // Back: the same server answers again, without a restart, and mail flows again.
    await proxy.listen('forward')
    expect(await eventually(async () => (await healthOf(server)) === 200, 5000)).toBe(true)
    await expect(client.system.info.query()).resolves.toMatchObject({ database: 'postgres' })
    await expect(client.auth.requestPasswordReset.mutate({ email: ADMIN.email })).resolves.toEqual({
      requested: true,
    })
    expect(await eventually(() => mails.some((mail) => mail.recipient === ADMIN.email), 5000)).toBe(true)
    // The mail goes out inside the delivery's transaction; the worker says so once it commits.
    const resumed = (line: Record<string, unknown>) =>
      line.msg === 'Outbox delivery resumed: the database is back'
    expect(await eventually(() => server.logs.some(resumed), 3000)).toBe(true)
    expect(server.logs.filter((line) => line.msg === 'Call failed')).toEqual([])
  })
})
