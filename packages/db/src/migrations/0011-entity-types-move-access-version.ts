import { type Kysely, sql } from 'kysely'

// Entity types join what the access counter stands for: a server keeps them in its access
// snapshot, so a records list needs no query for them, and every change to them must move
// the counter for the very next call on every instance to see it.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create trigger entity_types_bump_access_version
    after insert or update or delete or truncate on entity_types
    for each statement execute function bump_access_version()
  `.execute(db)
}
