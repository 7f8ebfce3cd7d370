import { type Kysely, sql } from 'kysely'
import { Migrator } from 'kysely/migration'
import { migrations } from './migrations/index.js'

export interface MigrationOutcome {
  /** Names of the migrations this call applied, oldest first; empty when already current. */
  readonly applied: string[]
}

/**
 * Held while migrating, and by anything that drops a schema (tests do, in parallel): the
 * migrator looks at the tables of every schema first, and a schema dropped during that
 * look fails it with "schema does not exist".
 */
export const SCHEMA_CHANGE_LOCK_KEY = 7_201_946_315

/** Brings the schema to the newest migration; throws (and rolls back) if one fails. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationOutcome> {
  // One transaction takes the lock and runs every migration: the lock ends with it, so it
  // can never outlive the migration, even through a pooler in transaction mode that gives
  // each statement outside a transaction another server connection (docs/scaling.md).
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SCHEMA_CHANGE_LOCK_KEY})`.execute(trx)
    return migrateOn(trx)
  })
}

async function migrateOn(db: Kysely<any>): Promise<MigrationOutcome> {
  // Name the schema the migrations run in: without it kysely takes a kysely_migration
  // table in any schema of the database (another app's, another test's) as its own.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: rows[0]!.schema,
  })
  const { error, results = [] } = await migrator.migrateToLatest()
  if (error) {
    const failed = results.find((result) => result.status === 'Error')
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: error })
  }
  return { applied: results.map((result) => result.migrationName) }
}
