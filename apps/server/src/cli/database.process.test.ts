import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrations } from '@trellis/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnServerProcess } from '../testing/spawn-server-process.js'
import { startTcpProxy } from '../testing/tcp-proxy.js'
import { type CliDatabase, createCliDatabase, linesOf, runCli } from './testing/cli-process.js'

const MIGRATIONS = Object.keys(migrations)
const LATEST = MIGRATIONS.at(-1)!
const COMMANDS = [
  'create-admin',
  'reset-password',
  'api-key issue',
  'api-key revoke',
  'migrate',
  'config',
  'check',
  'export',
  'import',
]

describe('trellis help', { timeout: 60_000 }, () => {
  it('lists every command, and each command explains itself with --help', async () => {
    const overview = await runCli(['--help'], {})
    expect(overview).toMatchObject({ code: 0, stderr: '' })
    for (const command of COMMANDS) expect(overview.stdout).toContain(`\n  ${command.padEnd(18)}`)
    for (const command of COMMANDS) {
      const help = await runCli([...command.split(' '), '--help'], {})
      expect(help).toMatchObject({ code: 0, stderr: '' })
      expect(help.stdout).toMatch(new RegExp(`^Usage: trellis ${command}\\b`))
      expect(help.stdout).toContain('--help')
    }
  })

  it('refuses an unknown command, an incomplete one and an unknown flag in one line', async () => {
    const runs = await Promise.all([
      runCli(['frobnicate'], {}),
      runCli(['api-key'], {}),
      runCli(['migrate', '--force'], {}),
    ])
    expect(runs).toEqual([
      { code: 1, stdout: '', stderr: 'Unknown command frobnicate: see trellis --help\n' },
      { code: 1, stdout: '', stderr: 'trellis api-key needs one of: issue, revoke\n' },
      { code: 1, stdout: '', stderr: "Unknown option '--force': see trellis migrate --help\n" },
    ])
  })
})

describe('trellis config', () => {
  it('shows the settings it would use, defaults marked, secrets redacted, misspellings named', async () => {
    const run = await runCli(['config'], {
      DATABASE_URL: 'postgres://trellis:hunter2-db@db.example.com:5433/trellis',
      TRELLIS_ADMIN_PASSWORD: 'hunter2-admin-password',
      PORT: '8080',
      TRELLIS_PRSET: 'orb',
    })
    expect(run.code).toBe(0)
    const lines = linesOf(run.stdout)
    expect(lines[0]).toBe('Database: PostgreSQL at db.example.com:5433/trellis')
    expect(lines).toContain('PORT=8080')
    expect(lines).toContain('HOST=127.0.0.1 (default)')
    expect(lines).toContain('DATABASE_URL=postgres://trellis:***@db.example.com:5433/trellis')
    expect(lines).toContain('TRELLIS_ADMIN_PASSWORD=[redacted]')
    expect(lines).toContain('TRELLIS_PRESET=(unset)')
    expect(run.stdout + run.stderr).not.toContain('hunter2')
    expect(run.stderr).toBe('Unknown setting TRELLIS_PRSET is ignored: did you mean TRELLIS_PRESET?\n')
  })

  it('refuses invalid settings in one line, as the server would refuse to start', async () => {
    const run = await runCli(['config'], { PORT: 'eighty', TRELLIS_SESSION_MAX_HOURS: '0' })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(linesOf(run.stderr)).toEqual([
      expect.stringMatching(/^Invalid configuration: PORT: .+; TRELLIS_SESSION_MAX_HOURS: .+$/),
    ])
  })
})

// migrate and check on a database of their own: PGlite, or PostgreSQL with DATABASE_URL.
describe('trellis migrate and check', { timeout: 120_000 }, () => {
  let database: CliDatabase
  beforeAll(async () => {
    database = await createCliDatabase()
  })
  afterAll(() => database.dispose())

  it('check fails in one line on a database that is not there yet', async () => {
    const run = await runCli(['check'], database.env)
    expect(run.code).toBe(1)
    if (database.dialect === 'pglite') {
      expect(run.stderr).toBe(
        `No Trellis database at ${database.env.TRELLIS_DATA_DIR} (TRELLIS_DATA_DIR): start the server or run trellis migrate first\n`,
      )
    } else {
      expect(linesOf(run.stdout)).toContain('Schema version: none (never migrated)')
      expect(run.stderr).toBe(`Unhealthy: ${MIGRATIONS.length} pending migration(s): run trellis migrate\n`)
    }
  })

  it('migrate applies every migration once, then finds the database up to date', async () => {
    const first = await runCli(['migrate'], database.env)
    expect(first).toMatchObject({ code: 0, stderr: '' })
    expect(first.stdout).toMatch(
      new RegExp(`^Applied ${MIGRATIONS.length} migration\\(s\\) to .+: ${MIGRATIONS.join(', ')}\\n$`),
    )
    const again = await runCli(['migrate'], database.env)
    expect(again).toMatchObject({ code: 0, stderr: '' })
    expect(again.stdout).toMatch(new RegExp(`^.+ is up to date \\(${LATEST}\\)\\n$`))
  })

  it('check reports a migrated database healthy', async () => {
    const run = await runCli(['check'], database.env)
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(linesOf(run.stdout).slice(1)).toEqual([
      'Connection: ok',
      `Schema version: ${LATEST}`,
      'Pending migrations: none',
      'Preset: not recorded yet (no server has prepared it)',
      'Users: 0',
      'Healthy',
    ])
  })

  it('prints an unexpected failure as one line, and its stack only with TRELLIS_DEBUG=1', async () => {
    const out = join(tmpdir(), 'trellis-no-such-dir', 'export.json')
    const plain = await runCli(['export', '--out', out], database.env)
    expect(plain).toEqual({
      code: 1,
      stdout: '',
      stderr: `ENOENT: no such file or directory, open '${out}'\n`,
    })
    const debug = await runCli(['export', '--out', out], { ...database.env, TRELLIS_DEBUG: '1' })
    expect(debug.code).toBe(1)
    expect(debug.stderr).toMatch(/^Error: ENOENT: no such file or directory.*\n\s+at /)
  })
})

describe('trellis on a database it cannot use', { timeout: 120_000 }, () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trellis-cli-locked-'))
  })
  afterAll(() => rm(dataDir, { recursive: true, force: true }))

  it('says in one line that a running server holds the PGlite data directory', async () => {
    const server = spawnServerProcess({ TRELLIS_DATA_DIR: dataDir })
    try {
      await server.waitForLog((line) => line.msg === 'Trellis is listening')
      expect(await runCli(['check'], { TRELLIS_DATA_DIR: dataDir })).toEqual({
        code: 1,
        stdout: `Database: PGlite at ${dataDir}\n`,
        stderr: `The data directory ${dataDir} is in use by another Trellis process (pid ${server.child.pid}): stop that one, or set TRELLIS_DATA_DIR to another directory\n`,
      })
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })

  it('says in one line that PostgreSQL cannot be reached, without its password', async () => {
    const nobody = await startTcpProxy(undefined, { listening: false })
    const run = await runCli(['check'], {
      DATABASE_URL: `postgres://trellis:hunter2@127.0.0.1:${nobody.port}/trellis`,
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      `PostgreSQL at 127.0.0.1:${nobody.port} refused the connection; gave up after 1 try in 0 s (TRELLIS_DATABASE_WAIT_SECONDS)\n`,
    )
    expect(run.stdout + run.stderr).not.toContain('hunter2')
    await nobody.close()
  })
})
