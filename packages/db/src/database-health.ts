import { type Kysely, sql } from 'kysely'

/** Resolves when the database answers a trivial query; rejects otherwise. */
export async function checkDatabase(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db)
}
