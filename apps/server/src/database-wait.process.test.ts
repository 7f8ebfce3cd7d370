import { createTestDatabase } from '@trellis/db/testing'
import { describe, expect, it } from 'vitest'
import { spawnServerProcess } from './testing/spawn-server-process.js'
import { startTcpProxy } from './testing/tcp-proxy.js'

// The built server starting while its PostgreSQL is not there yet: it retries with
// backoff, one readable line per try, and either starts once the database answers or
// gives up with one readable line. No PostgreSQL is needed to watch it being refused, so
// that part runs on both test runs; the late start needs a real one (the PostgreSQL run).

const DATABASE_URL = process.env.DATABASE_URL
const SECRET = 'hunter2-not-in-logs'
const RETRY =
  /^PostgreSQL at 127\.0\.0\.1:\d+ (refused the connection|closed the connection); retrying in \d+(\.\d)? s$/

const messages = (logs: Record<string, unknown>[], level: number) =>
  logs.filter((line) => line.level === level).map((line) => String(line.msg))

describe('starting while the database is unreachable', () => {
  it('retries with one readable line per try, then gives up with one readable line', async () => {
    const nobody = await startTcpProxy(undefined, { listening: false })
    const started = Date.now()
    const server = spawnServerProcess({
      DATABASE_URL: `postgres://trellis:${SECRET}@127.0.0.1:${nobody.port}/trellis`,
      TRELLIS_DATABASE_WAIT_SECONDS: '3',
    })
    expect(await server.exited).toBe(1)
    expect(Date.now() - started).toBeLessThan(15_000)

    const retries = messages(server.logs, 40)
    expect(retries.length).toBeGreaterThanOrEqual(2)
    for (const line of retries) expect(line).toMatch(RETRY)
    expect(retries[0]).toMatch(/refused the connection; retrying in 1 s$/)
    expect(messages(server.logs, 60)).toEqual([
      expect.stringMatching(
        /^PostgreSQL at 127\.0\.0\.1:\d+ refused the connection; gave up after \d+ tries? in 3 s \(TRELLIS_DATABASE_WAIT_SECONDS\)$/,
      ),
    ])
    // Readable: no stack traces, no error objects, and never the password from the URL.
    const output = JSON.stringify(server.logs) + server.stderr.join('')
    expect(output).not.toContain(SECRET)
    expect(output).not.toMatch(/"stack"|"err"|\n\s+at /)
  })

  it('starts as soon as the database answers', async () => {
    if (!DATABASE_URL) {
      // Without a PostgreSQL, something that accepts and hangs up: the server notices the
      // change, says so, and keeps waiting rather than starting or crashing.
      const slammer = await startTcpProxy(undefined, { listening: false })
      const server = spawnServerProcess({
        DATABASE_URL: `postgres://trellis@127.0.0.1:${slammer.port}/trellis`,
        TRELLIS_DATABASE_WAIT_SECONDS: '4',
      })
      await server.waitForLog((line) => line.level === 40)
      await slammer.listen('slam')
      expect(await server.exited).toBe(1)
      await slammer.close()
      const retries = messages(server.logs, 40)
      for (const line of retries) expect(line).toMatch(RETRY)
      expect(retries[0]).toMatch(/refused the connection/)
      expect(retries.at(-1)).toMatch(/closed the connection/)
      expect(server.logs.some((line) => line.msg === 'Trellis is listening')).toBe(false)
      return
    }
    const test = await createTestDatabase(DATABASE_URL)
    const target = new URL(DATABASE_URL)
    const proxy = await startTcpProxy(
      { host: target.hostname, port: Number(target.port || 5432) },
      { listening: false },
    )
    try {
      const proxied = new URL(DATABASE_URL)
      proxied.hostname = '127.0.0.1'
      proxied.port = String(proxy.port)
      const server = spawnServerProcess({
        DATABASE_URL: proxied.toString(),
        TRELLIS_DATABASE_SCHEMA: test.config.schema ?? '',
        TRELLIS_DATABASE_WAIT_SECONDS: '20',
        TRELLIS_ADMIN_PASSWORD: 'correct horse battery',
      })
      // Refused at first; PostgreSQL "comes up" after the server has retried.
      await server.waitForLog((line) => line.level === 40 && RETRY.test(String(line.msg)))
      await new Promise((resolve) => setTimeout(resolve, 1500))
      await proxy.listen('forward')
      const { url } = (await server.waitForLog((line) => line.msg === 'Trellis is listening')) as {
        url: string
      }
      expect((await fetch(`${url}/health`)).status).toBe(200)
      expect(messages(server.logs, 40).length).toBeGreaterThanOrEqual(1)
      expect(
        server.logs.some((line) =>
          /^PostgreSQL at 127\.0\.0\.1:\d+ answered after \d+ tries$/.test(String(line.msg)),
        ),
      ).toBe(true)
      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
    } finally {
      await proxy.close()
      await test.dispose()
    }
  })
})
