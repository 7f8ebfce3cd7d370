import { type Kysely, sql } from 'kysely'
import { SCHEMA_CHANGE_LOCK_KEY } from './migrate.js'

/**
 * Drops a schema with everything in it, holding the lock migrations hold: a migrator
 * elsewhere in the same database looks at every schema, and one vanishing under it
 * fails that migration.
 */
export async function dropSchema(db: Kysely<any>, schema: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SCHEMA_CHANGE_LOCK_KEY})`.execute(trx)
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(trx)
  })
}
