import { insertUser, withTransaction } from '@trellis/db'
import { createTrellisClient } from '@trellis/sdk'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { failureCode } from '../testing/call-failure.js'
import { spawnServerProcess } from '../testing/spawn-server-process.js'
import { type CliDatabase, createCliDatabase, inspect, linesOf, runCli } from './testing/cli-process.js'

const UUID = '[0-9a-f-]{36}'

// The account commands of the built `trellis` on a database of their own (PGlite, or
// PostgreSQL when DATABASE_URL is set); at the end a real server proves what they made works.
describe('trellis account commands', { timeout: 180_000 }, () => {
  let database: CliDatabase
  const cli = (args: string[], stdin?: string) => runCli(args, database.env, stdin)
  /** One after the other: a PGlite data directory admits one process at a time. */
  const cliInTurn = async (...runs: string[][]) => {
    const results = []
    for (const args of runs) results.push(await cli(args))
    return results
  }
  let bossId: string
  let serviceId: string
  let personId: string
  let bossPassword: string
  let key: string
  let revokedKeyId: string
  let revokedKey: string
  let replacedPassword: string

  beforeAll(async () => {
    database = await createCliDatabase()
  })
  afterAll(() => database.dispose())

  it('create-admin prepares a new database and creates the first administrator, printing a generated password once', async () => {
    const run = await cli(['create-admin', '--email', 'boss@example.com'])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    const [created, password] = linesOf(run.stdout)
    expect(created).toMatch(
      new RegExp(`^Created administrator boss@example.com \\(id ${UUID}\\) with the admin role$`),
    )
    bossId = /id ([0-9a-f-]{36})/.exec(created!)![1]!
    bossPassword = /: (\S+)$/.exec(password!)![1]!
    expect(bossPassword.length).toBeGreaterThanOrEqual(24)
    const stored = await inspect(database, (db) =>
      db.selectFrom('users').select(['email', 'status', 'parent_id', 'password_hash']).execute(),
    )
    expect(stored).toEqual([
      { email: 'boss@example.com', status: 'active', parent_id: null, password_hash: expect.any(String) },
    ])
    // Only the hash is kept.
    expect(stored[0]?.password_hash).not.toContain(bossPassword)
  })

  it('create-admin adds another root administrator with a password from stdin', async () => {
    const run = await cli(
      ['create-admin', '--email', 'second@example.com', '--password-stdin'],
      'correct horse battery\n',
    )
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(linesOf(run.stdout)).toEqual([
      expect.stringMatching(
        new RegExp(`^Created administrator second@example.com \\(id ${UUID}\\) with the admin role$`),
      ),
    ])
  })

  it('create-admin refuses bad input with one line and creates nothing', async () => {
    expect(await cli(['create-admin', '--email', 'not-an-email'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Not an email address: not-an-email\n',
    })
    expect(await cli(['create-admin', '--email', 'SECOND@example.com'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'A user with email SECOND@example.com already exists\n',
    })
    expect(
      await cli(['create-admin', '--email', 'third@example.com', '--password-stdin'], 'password1234'),
    ).toEqual({
      code: 1,
      stdout: '',
      stderr: 'This password is too common: choose another\n',
    })
    expect(
      await cli(['create-admin', '--email', 'third@example.com', '--password-stdin'], 'short\n'),
    ).toMatchObject({
      code: 1,
      stderr: 'The password from stdin is refused: Too small: expected string to have >=12 characters\n',
    })
    expect(await cli(['create-admin'])).toMatchObject({
      code: 1,
      stderr: 'Missing --email: see trellis create-admin --help\n',
    })
    const emails = await inspect(database, (db) =>
      db.selectFrom('users').select('email').orderBy('email').execute(),
    )
    expect(emails.map((user) => user.email)).toEqual(['boss@example.com', 'second@example.com'])
  })

  it('create-admin twice at once for one email: one creates it, the other is refused in one line', async () => {
    const runs = await Promise.all([
      cli(['create-admin', '--email', 'racer@example.com']),
      cli(['create-admin', '--email', 'racer@example.com']),
    ])
    expect(runs.map((run) => run.code).sort()).toEqual([0, 1])
    const refused = runs.find((run) => run.code === 1)!
    // PostgreSQL: both run and the unique index decides; PGlite: the data directory admits one process.
    expect(refused.stderr).toMatch(
      database.dialect === 'postgres'
        ? /^A user with email racer@example.com already exists\n$/
        : /^The data directory .+ is in use by another Trellis process \(pid \d+\): stop that one, or set TRELLIS_DATA_DIR to another directory\n$/,
    )
    const racers = await inspect(database, (db) =>
      db.selectFrom('users').select('id').where('email', '=', 'racer@example.com').execute(),
    )
    expect(racers).toHaveLength(1)
  })

  it('reset-password sets a new password for an active person and refuses anyone else', async () => {
    await inspect(database, async (db) => {
      await withTransaction(db, async (trx) => {
        serviceId = (
          await insertUser(trx, {
            email: 'svc@example.com',
            kind: 'service',
            status: 'active',
            parent_id: bossId,
          })
        ).id
        personId = (
          await insertUser(trx, {
            email: 'person@example.com',
            kind: 'person',
            status: 'active',
            parent_id: bossId,
          })
        ).id
        await insertUser(trx, {
          email: 'invited@example.com',
          kind: 'person',
          status: 'invited',
          parent_id: bossId,
        })
      })
    })
    const run = await cli(['reset-password', '--email', 'Boss@Example.com'])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    const [done, password] = linesOf(run.stdout)
    expect(done).toBe('Password of boss@example.com reset; 0 session(s) ended')
    replacedPassword = bossPassword
    bossPassword = /: (\S+)$/.exec(password!)![1]!
    expect(bossPassword).not.toBe(replacedPassword)

    const refusals = await cliInTurn(
      ['reset-password', '--email', 'nobody@example.com'],
      ['reset-password', '--email', 'svc@example.com'],
      ['reset-password', '--email', 'invited@example.com'],
    )
    expect(refusals.map((refusal) => [refusal.code, refusal.stderr])).toEqual([
      [1, 'No user with email nobody@example.com\n'],
      [1, 'svc@example.com is a service account: it signs in with API keys, not a password\n'],
      [
        1,
        'invited@example.com is invited, not active: they choose a password when accepting the invitation\n',
      ],
    ])
  })

  it('reset-password racing a deactivation waits for it, then refuses: no new password for a deactivated user', async () => {
    const outcome = await inspect(database, (db) =>
      db.connection().execute(async (connection) => {
        await sql`begin`.execute(connection)
        await connection
          .updateTable('users')
          .set({ status: 'deactivated' })
          .where('id', '=', personId)
          .execute()
        const run = cli(['reset-password', '--email', 'person@example.com'])
        if (database.dialect === 'postgres') {
          // Commit only once the CLI is blocked on the row this transaction holds.
          for (let waited = 0; waited < 20_000; waited += 100) {
            const { rows } = await sql<{ waiting: number }>`
              select count(*)::int as waiting from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()
            `.execute(db)
            if (rows[0]!.waiting > 0) break
            await new Promise((resolve) => setTimeout(resolve, 100))
          }
        } else {
          await run // PGlite: this process holds the data directory, so the CLI cannot even open it
        }
        await sql`commit`.execute(connection)
        return run
      }),
    )
    expect(outcome.code).toBe(1)
    expect(outcome.stderr).toMatch(
      database.dialect === 'postgres'
        ? /^person@example.com is deactivated, not active: reactivate them first\n$/
        : /^The data directory .+ is in use by another Trellis process/,
    )
    const person = await inspect(database, (db) =>
      db
        .selectFrom('users')
        .select(['status', 'password_hash'])
        .where('id', '=', personId)
        .executeTakeFirstOrThrow(),
    )
    expect(person).toEqual({ status: 'deactivated', password_hash: null })
  })

  it('api-key issue prints a service account key once; revoke stops it; bad input is one line', async () => {
    const issued = await cli(['api-key', 'issue', '--user', 'svc@example.com', '--name', 'deploy'])
    expect(issued).toMatchObject({ code: 0, stderr: '' })
    const [said, printed] = linesOf(issued.stdout)
    expect(said).toMatch(
      new RegExp(`^Issued API key ${UUID} "deploy" for svc@example.com; the key, shown only now:$`),
    )
    expect(printed).toMatch(/^trk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/)
    key = printed!

    const second = await cli(['api-key', 'issue', '--user', serviceId, '--name', 'old'])
    expect(second.code).toBe(0)
    revokedKeyId = /API key ([0-9a-f-]{36})/.exec(second.stdout)![1]!
    revokedKey = linesOf(second.stdout)[1]!
    expect(await cli(['api-key', 'revoke', '--id', revokedKeyId])).toEqual({
      code: 0,
      stdout: `Revoked API key ${revokedKeyId}\n`,
      stderr: '',
    })

    const refusals = await cliInTurn(
      ['api-key', 'revoke', '--id', revokedKeyId],
      ['api-key', 'revoke', '--id', '42'],
      ['api-key', 'issue', '--user', personId, '--name', 'x'],
      ['api-key', 'issue', '--user', 'ghost@example.com', '--name', 'x'],
      ['api-key', 'issue', '--user', 'svc@example.com'],
    )
    expect(refusals.map((refusal) => [refusal.code, refusal.stdout, refusal.stderr])).toEqual([
      [1, '', `No unrevoked API key with id ${revokedKeyId}\n`],
      [1, '', 'Not an API key id (a uuid): 42\n'],
      [1, '', 'person@example.com is a person: API keys are for service accounts\n'],
      [1, '', 'No user with email ghost@example.com\n'],
      [1, '', 'Missing --name: see trellis api-key issue --help\n'],
    ])
    const keys = await inspect(database, (db) =>
      db.selectFrom('api_keys').select(['name', 'revoked_at']).orderBy('name').execute(),
    )
    expect(keys).toEqual([
      { name: 'deploy', revoked_at: null },
      { name: 'old', revoked_at: expect.any(Date) },
    ])
  })

  it('a server on the same database signs them in, takes the key, refuses the revoked one and shows the audit', async () => {
    const server = spawnServerProcess(database.env)
    try {
      const { url } = (await server.waitForLog((line) => line.msg === 'Trellis is listening')) as {
        url: string
      }
      const trpcUrl = `${url}/trpc`
      const boss = createTrellisClient({ url: trpcUrl })
      await boss.auth.login.mutate({ email: 'boss@example.com', password: bossPassword })
      const second = createTrellisClient({ url: trpcUrl })
      const { user } = await second.auth.login.mutate({
        email: 'second@example.com',
        password: 'correct horse battery',
      })
      expect(await boss.users.roles.query({ id: user.id })).toEqual([
        { role: 'admin', protected: true, scope: null },
      ])

      const service = createTrellisClient({ url: trpcUrl, apiKey: key })
      expect(await service.auth.me.query()).toMatchObject({ id: serviceId, email: 'svc@example.com' })
      const withRevoked = createTrellisClient({ url: trpcUrl, apiKey: revokedKey })
      expect(await failureCode(withRevoked.auth.me.query())).toBe('UNAUTHORIZED')
      const withReplaced = createTrellisClient({ url: trpcUrl })
      expect(
        await failureCode(
          withReplaced.auth.login.mutate({ email: 'boss@example.com', password: replacedPassword }),
        ),
      ).toBe('UNAUTHORIZED')

      const audit = await boss.audit.list.query({ limit: 100 })
      const byCli = audit.items.filter((event) => event.procedure.startsWith('cli.'))
      expect(byCli.every((event) => event.actorId === null && event.outcome === 'allowed')).toBe(true)
      expect(byCli.map((event) => event.procedure).sort()).toEqual([
        'cli.api-key.issue',
        'cli.api-key.issue',
        'cli.api-key.revoke',
        'cli.create-admin',
        'cli.create-admin',
        'cli.create-admin',
        'cli.reset-password',
      ])
      expect(byCli.find((event) => event.procedure === 'cli.reset-password')?.targetId).toBe(bossId)
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  }, 90_000)
})
