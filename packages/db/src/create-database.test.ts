import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toCount } from './count.js'
import { createDatabase } from './create-database.js'
import { migrateToLatest } from './migrate.js'
import { migrations } from './migrations/index.js'
import { createTestDatabase, type TestDatabase } from './testing/index.js'
import type { NewUser } from './tree/insert-user.js'
import { insertUser } from './tree/insert-user.js'

describe('a migrated test database', () => {
  let test: TestDatabase
  beforeAll(async () => {
    test = await createTestDatabase()
  })
  afterAll(() => test.dispose())
  const addUser = (user: NewUser) => test.db.transaction().execute((trx) => insertUser(trx, user))

  it('is on the newest migration and migrating again applies nothing', async () => {
    const again = await migrateToLatest(test.db)
    expect(again.applied).toEqual([])
    const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      test.db,
    )
    expect(recorded.rows.map((row) => row.name)).toEqual(Object.keys(migrations))
  })

  it('counts as a number on either engine', async () => {
    await addUser({ email: 'a@example.com', kind: 'person', status: 'active' })
    await addUser({ email: 'b@example.com', kind: 'service', status: 'invited' })
    const row = await test.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow()
    expect(toCount(row.count)).toBe(2)
  })

  it('treats emails that differ only in case as the same', async () => {
    await addUser({ email: 'Case@Example.com', kind: 'person', status: 'active' })
    await expect(addUser({ email: 'case@example.COM', kind: 'person', status: 'active' })).rejects.toThrow(
      /users_email_unique/,
    )
  })

  it('refuses a status outside the model', async () => {
    await expect(
      addUser({ email: 'odd@example.com', kind: 'person', status: 'sleeping' as never }),
    ).rejects.toThrow(/check constraint/)
  })
})

describe('the embedded database', () => {
  it('creates its data directory with missing parents and keeps its data across a reopen', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trellis-db-'))
    try {
      const first = await createDatabase({ dataDir: join(dataDir, 'not', 'yet', 'there') })
      await migrateToLatest(first)
      await first.insertInto('roles').values({ name: 'kept' }).execute()
      await first.destroy()

      const second = await createDatabase({ dataDir: join(dataDir, 'not', 'yet', 'there') })
      const again = await migrateToLatest(second)
      const roles = await second.selectFrom('roles').select('name').execute()
      await second.destroy()
      expect(again.applied).toEqual([])
      expect(roles).toEqual([{ name: 'kept' }])
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
    // Two cold PGlite starts with migrations: 10 s alone, over 30 s on a busy machine.
  }, 120_000)
})

describe('the PostgreSQL connection', () => {
  it('refuses a schema name that could inject SQL', async () => {
    await expect(
      createDatabase({ databaseUrl: 'postgres://127.0.0.1/none', schema: 'x; drop table users' }),
    ).rejects.toThrow(/Invalid schema name/)
  })
})
