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

export interface MigrationState {
  /** Migrations the database has applied, oldest first. */
  readonly applied: string[]
  /** Migrations this code knows and the database has not applied yet, oldest first. */
  readonly pending: string[]
  /** Applied migrations this code does not know: a newer Trellis migrated the database. */
  readonly unknown: string[]
}

/**
 * Where the database's schema stands against this code's migrations, read without
 * changing anything (a database never migrated has applied none).
 */
export async function migrationState(db: Kysely<any>): Promise<MigrationState> {
  // In the schema migrations run in, as migrateOn names it: not another schema's on the search path.
  const { rows: schemas } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  const table = sql.id(schemas[0]!.schema, 'kysely_migration')
  const { rows } = await sql<{ name: string }>`select name from ${table} order by name`
    .execute(db)
    .catch((error: unknown) => {
      // 42P01: no such table, as in a database no server has started on yet.
      if ((error as { code?: unknown }).code === '42P01') return { rows: [] }
      throw error
    })
  const applied = rows.map((row) => row.name)
  const known = Object.keys(migrations)
  return {
    applied,
    pending: known.filter((name) => !applied.includes(name)),
    unknown: applied.filter((name) => !known.includes(name)),
  }
}
