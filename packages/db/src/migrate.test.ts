import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createDatabase } from './create-database.js'
import { dropSchema } from './drop-schema.js'
import { migrateToLatest } from './migrate.js'
import { migrations } from './migrations/index.js'

// Regression: kysely found another schema's kysely_migration table (another test file's,
// or another app's in the same database), skipped creating its own, and failed.
describe('migrateToLatest', () => {
  it("ignores another schema's migration tables", async () => {
    const databaseUrl = process.env.DATABASE_URL
    const schema = `mig_${randomBytes(5).toString('hex')}`
    const other = `other_${randomBytes(5).toString('hex')}`
    const db = databaseUrl ? await createDatabase({ databaseUrl, schema }) : await createDatabase()
    try {
      await sql`create schema ${sql.id(other)}`.execute(db)
      await sql`create table ${sql.id(other, 'kysely_migration')} (name text primary key, timestamp text)`.execute(
        db,
      )
      await sql`create table ${sql.id(other, 'kysely_migration_lock')} (id text primary key, is_locked integer)`.execute(
        db,
      )
      const outcome = await migrateToLatest(db)
      expect(outcome.applied).toEqual(Object.keys(migrations))
      const { rows } = await sql<{ schema: string }>`
        select table_schema as schema from information_schema.tables where table_name = 'kysely_migration' order by 1
      `.execute(db)
      const current = databaseUrl ? schema : 'public'
      expect(rows.map((row) => row.schema)).toEqual(expect.arrayContaining([current, other]))
    } finally {
      await dropSchema(db, other)
      if (databaseUrl) await dropSchema(db, schema)
      await db.destroy()
    }
  })
})
