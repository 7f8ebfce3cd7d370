import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { createDatabase } from '../create-database.js'
import { dropSchema } from '../drop-schema.js'
import { migrateToLatest } from '../migrate.js'
import type { Database } from '../schema/database.js'
import { migratedPgliteTemplate } from './pglite-template.js'

export interface TestDatabase {
  readonly db: Kysely<Database>
  /** How to open this same database again, from another connection or process. */
  readonly config: { databaseUrl?: string; schema?: string }
  readonly dialect: 'postgres' | 'pglite'
  /** Closes the database and drops what it created. */
  dispose(): Promise<void>
}

/**
 * A fresh, migrated database of its own for one test file: a new PGlite loaded from a
 * migrated template, or, when `databaseUrl` is given, a new schema in that PostgreSQL
 * database. Files never share state, so they can run in parallel.
 */
export async function createTestDatabase(
  databaseUrl: string | undefined = process.env.DATABASE_URL,
): Promise<TestDatabase> {
  if (!databaseUrl) {
    const db = await createDatabase({ loadDataDir: await migratedPgliteTemplate() })
    return { db, config: {}, dialect: 'pglite', dispose: () => db.destroy() }
  }
  const schema = `test_${randomBytes(6).toString('hex')}`
  const db = await createDatabase({ databaseUrl, schema, maxConnections: 5 })
  await migrateToLatest(db)
  return {
    db,
    config: { databaseUrl, schema },
    dialect: 'postgres',
    async dispose() {
      await dropSchema(db, schema)
      await db.destroy()
    },
  }
}
