import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabase } from './create-database.js'
import { isDatabaseUnavailable } from './is-database-unavailable.js'
import { createTestDatabase, type TestDatabase } from './testing/index.js'

/** The error a promise rejects with; fails the test if it resolves. */
async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => expect.fail('expected the database call to fail'),
    (error: unknown) => error,
  )
}

/** A loopback port nobody listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

// Real failures, as the drivers report them: the recogniser must know each, and must not
// mistake a refused query for an outage. The network cases need no PostgreSQL server, so
// they run on both test runs.
describe('isDatabaseUnavailable', () => {
  let test: TestDatabase
  beforeAll(async () => {
    test = await createTestDatabase()
  })
  afterAll(() => test.dispose())

  it('knows a refused connection', async () => {
    const db = await createDatabase({
      databaseUrl: `postgres://postgres@127.0.0.1:${await closedPort()}/none`,
    })
    try {
      const error = await failureOf(sql`select 1`.execute(db))
      expect(error).toMatchObject({ code: 'ECONNREFUSED' })
      expect(isDatabaseUnavailable(error)).toBe(true)
    } finally {
      await db.destroy()
    }
  })

  it('gives up connecting after the connect timeout instead of hanging (server that never answers)', async () => {
    const sockets = new Set<Socket>()
    const silent: Server = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1')
    await once(silent, 'listening')
    const { port } = silent.address() as { port: number }
    const db = await createDatabase({
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/none`,
      connectTimeoutMs: 300,
    })
    try {
      const started = Date.now()
      const error = await failureOf(sql`select 1`.execute(db))
      expect(Date.now() - started).toBeLessThan(3000)
      expect(String((error as Error).message)).toMatch(/timeout/)
      expect(isDatabaseUnavailable(error)).toBe(true)
    } finally {
      await db.destroy()
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  // Regression: a backend terminated while its client was checked out (inside a
  // transaction) made pg emit 'error' on that client with nobody listening: the process died.
  it('survives its connection being terminated mid-transaction, then works again', async () => {
    if (test.dialect === 'pglite') {
      // The embedded database has no connection to lose; the one way to lose it is to close it.
      const closing = await createTestDatabase()
      await sql`select 1`.execute(closing.db)
      await closing.dispose()
      expect(isDatabaseUnavailable(await failureOf(sql`select 1`.execute(closing.db)))).toBe(true)
      return
    }
    const error = await failureOf(
      test.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
        const pid = rows[0]!.pid
        await sql`select pg_terminate_backend(${pid})`.execute(test.db)
        // Let the server's farewell (57P01) and the socket's end reach the client.
        for (let tries = 0; tries < 50; tries++) {
          const alive = await sql`select 1 from pg_stat_activity where pid = ${pid}`.execute(test.db)
          if (alive.rows.length === 0) break
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
        await sql`select 1`.execute(trx)
      }),
    )
    expect(isDatabaseUnavailable(error)).toBe(true)
    const again = await sql<{ one: number }>`select 1 as one`.execute(test.db)
    expect(again.rows).toEqual([{ one: 1 }])
  })

  it('does not mistake a refused query or a bug for an outage', async () => {
    expect(isDatabaseUnavailable(await failureOf(sql`selec 1`.execute(test.db)))).toBe(false)
    await test.db.insertInto('roles').values({ name: 'once' }).execute()
    const duplicate = await failureOf(test.db.insertInto('roles').values({ name: 'once' }).execute())
    expect(duplicate).toMatchObject({ code: '23505' })
    expect(isDatabaseUnavailable(duplicate)).toBe(false)
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false)
    expect(isDatabaseUnavailable(undefined)).toBe(false)
    expect(isDatabaseUnavailable('Connection terminated')).toBe(false)
  })

  it('looks through wrappers: a cause chain and an AggregateError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })
    expect(isDatabaseUnavailable(new Error('call failed', { cause: refused }))).toBe(true)
    expect(isDatabaseUnavailable(new AggregateError([refused], 'all addresses failed'))).toBe(true)
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '08006' }))).toBe(true)
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true)
  })
})
