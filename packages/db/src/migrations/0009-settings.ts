import { type Kysely, sql } from 'kysely'

// Facts about how a database was set up, fixed at its first preparation and checked on
// every start: `preset` is the TRELLIS_PRESET it was prepared with (`none` without one).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('value', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
}
