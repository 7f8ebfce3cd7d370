import { access, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase } from '@trellis/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnServerProcess } from './testing/spawn-server-process.js'

const listening = (line: Record<string, unknown>) => line.msg === 'Trellis is listening'

/** Waits for a refused start and returns its exit code and stderr lines. */
async function refusedStart(server: ReturnType<typeof spawnServerProcess>) {
  const code = await server.exited
  return { code, lines: server.stderr.join('').trimEnd().split('\n') }
}

// Regressions (issue 10): starts an operator gets wrong each fail at once with one
// readable line, instead of starting anyway or dying later with a stack trace.
describe('refused starts', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trellis-refusals-'))
  })
  afterAll(() => rm(dataDir, { recursive: true, force: true }))

  it('refuses a second server on one data directory, naming the first, and starts after a kill -9', async () => {
    const first = spawnServerProcess({ TRELLIS_DATA_DIR: dataDir, TRELLIS_PRSET: 'orb' })
    const { url } = (await first.waitForLog(listening)) as { url: string }
    try {
      // The misspelt setting was not silently ignored.
      expect(first.logs).toContainEqual(
        expect.objectContaining({
          level: 40,
          variable: 'TRELLIS_PRSET',
          suggestion: 'TRELLIS_PRESET',
          msg: 'Unknown setting TRELLIS_PRSET is ignored: did you mean TRELLIS_PRESET?',
        }),
      )
      const second = spawnServerProcess({ TRELLIS_DATA_DIR: dataDir })
      expect(await refusedStart(second)).toEqual({
        code: 1,
        lines: [
          `The data directory ${dataDir} is in use by another Trellis process (pid ${first.child.pid}): stop that one, or set TRELLIS_DATA_DIR to another directory`,
        ],
      })
      expect((await fetch(`${url}/health`)).status).toBe(200)
    } finally {
      first.child.kill('SIGKILL')
    }
    await first.exited

    // kill -9 left its lock behind; its process is gone, so the lock is stale.
    const third = spawnServerProcess({ TRELLIS_DATA_DIR: dataDir })
    const restarted = (await third.waitForLog(listening)) as { url: string }
    expect(third.logs.some((line) => 'generatedPassword' in line)).toBe(false)
    expect((await fetch(`${restarted.url}/health`)).status).toBe(200)
    third.child.kill('SIGTERM')
    expect(await third.exited).toBe(0)
  }, 90_000)

  it('refuses another preset than the one the database was set up with', async () => {
    const server = spawnServerProcess({ TRELLIS_DATA_DIR: dataDir, TRELLIS_PRESET: 'orb' })
    expect(await refusedStart(server)).toEqual({
      code: 1,
      lines: [
        'This database was set up without TRELLIS_PRESET, and this server starts with TRELLIS_PRESET=orb: start it as it was set up, or start fresh with a new TRELLIS_DATA_DIR (or an empty database for DATABASE_URL)',
      ],
    })
    const db = await createDatabase({ dataDir })
    const roles = await db.selectFrom('roles').select('name').execute()
    await db.destroy()
    expect(roles.map((role) => role.name)).not.toContain('issuer')
  })

  describe('on a taken port', () => {
    let blocker: Server
    let port: number
    beforeAll(async () => {
      blocker = createServer()
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
      port = (blocker.address() as { port: number }).port
    })
    afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())))

    it('fails at once with one line, before touching the database', async () => {
      const freshDir = join(dataDir, 'never-created')
      const started = Date.now()
      const server = spawnServerProcess({ TRELLIS_DATA_DIR: freshDir, PORT: String(port) })
      expect(await refusedStart(server)).toEqual({
        code: 1,
        lines: [
          `Port ${port} on 127.0.0.1 is already in use: stop what uses it, or set PORT to another port`,
        ],
      })
      // Opening and migrating a database takes seconds; failing first takes a process start.
      expect(Date.now() - started).toBeLessThan(3_000)
      await expect(access(freshDir)).rejects.toThrow(/ENOENT/)
      expect(server.logs.some((line) => line.level === 60)).toBe(false)
    })
  })
})
