import { type Kysely, sql } from 'kysely'

// An entity type may say which data fields hold the id of another type's record
// (`{ destinationId: 'destinations' }`); writes check them.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table entity_types add column data_references jsonb`.execute(db)
}
