import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase } from '@trellis/db'
import { createTrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnServerProcess } from './testing/spawn-server-process.js'

// The built server as a real process on the embedded database: first run, restart, signals.
describe('the server process', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trellis-first-run-'))
  })
  afterAll(() => rm(dataDir, { recursive: true, force: true }))

  const listening = (line: Record<string, unknown>) => line.msg === 'Trellis is listening'

  it('creates the first administrator once, prints its generated password, and stops on SIGTERM', async () => {
    const server = spawnServerProcess({ TRELLIS_DATA_DIR: dataDir })
    const { url } = (await server.waitForLog(listening)) as { url: string }
    const announced = server.logs.filter((line) => typeof line.generatedPassword === 'string')
    expect(announced).toHaveLength(1)
    expect(announced[0]).toMatchObject({ email: 'admin@trellis.local', level: 40 })
    expect(String(announced[0]?.generatedPassword).length).toBeGreaterThanOrEqual(24)

    const client = createTrellisClient({ url: `${url}/trpc` })
    await expect(client.system.info.query()).resolves.toMatchObject({ database: 'pglite' })

    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.logs.map((line) => line.msg)).toContain('Trellis stopped')
  })

  it('keeps its data across a restart and creates nothing new', async () => {
    const server = spawnServerProcess({ TRELLIS_DATA_DIR: dataDir })
    const { url } = (await server.waitForLog(listening)) as { url: string }
    expect(server.logs.some((line) => 'generatedPassword' in line)).toBe(false)
    expect(server.logs.some((line) => line.msg === 'Database migrated')).toBe(false)
    const health = await fetch(`${url}/health`)
    expect(health.status).toBe(200)
    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)

    const db = await createDatabase({ dataDir })
    const users = await db.selectFrom('users').select(['email', 'status']).execute()
    await db.destroy()
    expect(users).toEqual([{ email: 'admin@trellis.local', status: 'active' }])
  })

  it('shuts down promptly while a client holds an idle keep-alive connection', async () => {
    const server = spawnServerProcess({ TRELLIS_DATA_DIR: dataDir, TRELLIS_SHUTDOWN_TIMEOUT_MS: '30000' })
    const { url } = (await server.waitForLog(listening)) as { url: string }
    const agent = new (await import('node:http')).Agent({ keepAlive: true })
    await new Promise<void>((resolve, reject) => {
      request(`${url}/health`, { agent }, (response) => {
        response.resume()
        response.on('end', resolve)
      })
        .on('error', reject)
        .end()
    })
    const started = Date.now()
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    // Far below the 30 s deadline: idle sockets are closed, not waited for.
    expect(Date.now() - started).toBeLessThan(10_000)
    agent.destroy()
  })

  it('refuses to start on invalid configuration, saying what is wrong', async () => {
    const server = spawnServerProcess({ TRELLIS_DATA_DIR: dataDir, PORT: 'eighty' })
    expect(await server.exited).toBe(1)
    expect(server.stderr.join('')).toMatch(/Invalid configuration:\n\s+PORT:/)
  })

  it('starts with a preset: its entity types, and the first administrator holds its protected role', async () => {
    const presetDir = await mkdtemp(join(tmpdir(), 'trellis-preset-'))
    try {
      const server = spawnServerProcess({
        TRELLIS_DATA_DIR: presetDir,
        TRELLIS_PRESET: 'orb',
        TRELLIS_ADMIN_PASSWORD: 'correct horse battery',
      })
      const { url } = (await server.waitForLog(listening)) as { url: string }
      expect(server.logs.find((line) => line.msg === 'Started with a preset')).toMatchObject({
        preset: 'orb',
      })
      const issuer = createTrellisClient({ url: `${url}/trpc` })
      const { user } = await issuer.auth.login.mutate({
        email: 'admin@trellis.local',
        password: 'correct horse battery',
      })
      expect(await issuer.users.roles.query({ id: user.id })).toEqual([
        { role: 'issuer', protected: true, scope: null },
      ])
      const types = await issuer.entityTypes.list.query()
      expect(types.items.map((type) => type.name)).toEqual(['balances', 'charges', 'reports', 'shops'])
      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
    } finally {
      await rm(presetDir, { recursive: true, force: true })
    }
  })
})
