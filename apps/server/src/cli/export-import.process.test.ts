import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { issueApiKey, PRESETS, prepareDatabase, silentLogger } from '@trellis/api'
import { insertUser, withTransaction } from '@trellis/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrellisExport } from './export-file.js'
import { type CliDatabase, createCliDatabase, inspect, linesOf, runCli } from './testing/cli-process.js'
import { EXPORTED_TABLES } from './trellis-tables.js'

const orb = PRESETS.orb
const ORB = { TRELLIS_PRESET: 'orb' }

/** An export's tables without the event the import itself recorded. */
function withoutImportEvent(tables: TrellisExport['tables']): TrellisExport['tables'] {
  return { ...tables, audit_events: tables.audit_events.filter((event) => event.procedure !== 'cli.import') }
}

// Export then import with the built `trellis`, on PGlite or (DATABASE_URL) PostgreSQL: the
// copy holds exactly the same data, and an import never lands on a database in use.
describe('trellis export and import', { timeout: 180_000 }, () => {
  let source: CliDatabase
  let target: CliDatabase
  let files: string
  let file: string
  let exported: TrellisExport

  beforeAll(async () => {
    source = await createCliDatabase()
    target = await createCliDatabase()
    // A preset's demo world: users in a tree, role bindings, entity types, records, parties.
    await inspect(source, async (db) => {
      const first = await prepareDatabase(
        db,
        {
          preset: 'orb',
          entityTypes: orb.entityTypes,
          roles: orb.roles,
          adminRole: orb.adminRole,
          adminEmail: 'issuer@example.com',
          adminPassword: 'correct horse battery',
          demo: orb.demo,
        },
        silentLogger,
      )
      if (!first.created) throw new Error('expected a new database')
      await withTransaction(db, async (trx) => {
        const service = await insertUser(trx, {
          email: 'billing@example.com',
          kind: 'service',
          status: 'active',
          parent_id: first.userId,
        })
        await issueApiKey(trx, service.id, 'billing')
      })
    })
    files = await mkdtemp(join(tmpdir(), 'trellis-export-'))
    file = join(files, 'export.json')
  })
  afterAll(async () => {
    await rm(files, { recursive: true, force: true })
    await source.dispose()
    await target.dispose()
  })

  it('exports every Trellis table to a file only its owner can read', async () => {
    const run = await runCli(['export', '--out', file], { ...source.env, ...ORB })
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(
      /^Exported .+ to .+: 1 settings, \d+ roles, .*\d+ users, .*\d+ records, .*1 api_keys, .*\n$/,
    )
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    exported = JSON.parse(await readFile(file, 'utf8'))
    expect(exported).toMatchObject({
      format: 'trellis-export',
      version: 1,
      trellisVersion: expect.any(String),
    })
    expect(Object.keys(exported.tables)).toEqual([...EXPORTED_TABLES])
    expect(exported.tables.users.map((user) => user.email).sort()).toEqual([
      'billing@example.com',
      'consumer@demo.trellis.local',
      'issuer@example.com',
      'merchant@demo.trellis.local',
    ])
    expect(exported.tables.records.length).toBe(5)
    expect(exported.tables.record_parties.length).toBeGreaterThan(0)
    // Hashes travel (people sign in after a restore); sessions and tokens do not.
    expect(exported.tables.users.every((user) => user.kind === 'service' || user.password_hash)).toBe(true)
    expect(Object.keys(exported.tables)).not.toContain('sessions')
  })

  it('imports it into an empty database: exported again, the copy is equal', async () => {
    const run = await runCli(['import', '--in', file], { ...target.env, ...ORB })
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/^Imported .+ into .+: 1 settings, .*4 users, .*5 records, .*\n$/)

    const again = await runCli(['export'], { ...target.env, ...ORB })
    expect(again.code).toBe(0)
    const copy = JSON.parse(again.stdout) as TrellisExport
    expect(copy.migration).toBe(exported.migration)
    expect(withoutImportEvent(copy.tables)).toEqual(exported.tables)
    // The import is in the audit log, by no actor.
    expect(copy.tables.audit_events.filter((event) => event.procedure === 'cli.import')).toEqual([
      expect.objectContaining({ actor_id: null, outcome: 'allowed', permission: 'cli.import' }),
    ])
    // New users continue the tree's numbering after the imported ones.
    const nodes = await inspect(target, async (db) => {
      const created = await withTransaction(db, (trx) =>
        insertUser(trx, { email: 'late@example.com', kind: 'person', status: 'active', parent_id: null }),
      )
      return {
        created: Number(created.node),
        imported: exported.tables.users.map((user) => Number(user.node)),
      }
    })
    expect(nodes.created).toBeGreaterThan(Math.max(...nodes.imported))
  })

  it('refuses a database that has data, an export of another schema and a bad file, each in one line', async () => {
    const env = { ...target.env, ...ORB }
    expect(await runCli(['import', '--in', file], env)).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'The database is not empty (it has settings): import only into a new one (a new TRELLIS_DATA_DIR, or an empty PostgreSQL database or schema)\n',
    })
    const older = join(files, 'older.json')
    await writeFile(older, JSON.stringify({ ...exported, migration: '0001-users-and-roles' }))
    expect(await runCli(['import', '--in', older], env)).toEqual({
      code: 1,
      stdout: '',
      stderr: `${older} was exported at migration 0001-users-and-roles and this database is at ${exported.migration}: import it with the Trellis version that exported it\n`,
    })
    const notJson = join(files, 'bad.json')
    await writeFile(notJson, '{ nope')
    const refusals = [
      await runCli(['import', '--in', notJson], env),
      await runCli(['import', '--in', join(files, 'missing.json')], env),
      await runCli(['import'], env),
    ]
    expect(refusals.map((refusal) => [refusal.code, refusal.stdout])).toEqual([
      [1, ''],
      [1, ''],
      [1, ''],
    ])
    expect(linesOf(refusals[0]!.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^${notJson} is not JSON: `)),
    ])
    expect(refusals[1]!.stderr).toBe(`Cannot read ${join(files, 'missing.json')}: no such file\n`)
    expect(refusals[2]!.stderr).toBe('Missing --in: see trellis import --help\n')
    await writeFile(notJson, JSON.stringify({ format: 'trellis-export', version: 2 }))
    expect((await runCli(['import', '--in', notJson], env)).stderr).toBe(
      `${notJson} is not a Trellis export: version: Invalid input: expected 1\n`,
    )
    // Nothing changed: one import event, as before.
    const events = await inspect(target, (db) =>
      db.selectFrom('audit_events').select('id').where('procedure', '=', 'cli.import').execute(),
    )
    expect(events).toHaveLength(1)
  })

  it("the copy keeps its preset: create-admin gives the preset's top role and refuses another preset", async () => {
    const created = await runCli(['create-admin', '--email', 'ops@example.com'], { ...target.env, ...ORB })
    expect(created).toMatchObject({ code: 0, stderr: '' })
    expect(linesOf(created.stdout)[0]).toMatch(
      /^Created administrator ops@example.com \(id [0-9a-f-]{36}\) with the issuer role$/,
    )
    expect(await runCli(['create-admin', '--email', 'other@example.com'], target.env)).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'This database was set up with TRELLIS_PRESET=orb, and this server starts without TRELLIS_PRESET: start it as it was set up, or start fresh with a new TRELLIS_DATA_DIR (or an empty database for DATABASE_URL)\n',
    })
  })

  it('two imports into one empty database at once: one imports, the other is refused', async () => {
    const fresh = await createCliDatabase()
    try {
      const env = { ...fresh.env, ...ORB }
      const runs = await Promise.all([
        runCli(['import', '--in', file], env),
        runCli(['import', '--in', file], env),
      ])
      expect(runs.map((run) => run.code).sort()).toEqual([0, 1])
      const refused = runs.find((run) => run.code === 1)!
      // PostgreSQL: the second waits for the first's lock, then finds data; PGlite: one process per directory.
      expect(refused.stderr).toMatch(
        fresh.dialect === 'postgres'
          ? /^The database is not empty \(it has settings\)/
          : /^(The data directory .+ is in use by another Trellis process|The database is not empty)/,
      )
      expect(linesOf(refused.stderr)).toHaveLength(1)
      const users = await inspect(fresh, (db) => db.selectFrom('users').select('id').execute())
      expect(users).toHaveLength(exported.tables.users.length)
    } finally {
      await fresh.dispose()
    }
  }, 120_000)
})
