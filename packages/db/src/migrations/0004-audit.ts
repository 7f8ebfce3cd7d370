import { type Kysely, sql } from 'kysely'

// The audit log. `owner_id` decides who may read an event (the acting user, so
// `audit.read` at OWNED shows what your subtree did); it has no foreign key so history
// outlives users, and deleting a user hands its events to the heir like its records.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('occurred_at', 'timestamptz', (col) =>
      col.notNull().defaultTo(sql`date_trunc('milliseconds', clock_timestamp())`),
    )
    .addColumn('actor_id', 'uuid')
    .addColumn('owner_id', 'uuid')
    .addColumn('permission', 'text', (col) => col.notNull())
    .addColumn('procedure', 'text', (col) => col.notNull())
    .addColumn('target_id', 'text')
    .addColumn('outcome', 'text', (col) =>
      col.notNull().check(sql`outcome in ('allowed', 'denied', 'failed')`),
    )
    .addColumn('error_code', 'text')
    .addColumn('request_id', 'text', (col) => col.notNull())
    .addColumn('client_address', 'text')
    .execute()
  await sql`create index audit_events_occurred on audit_events (occurred_at desc, id desc)`.execute(db)
  await sql`create index audit_events_owner on audit_events (owner_id, occurred_at desc, id desc)`.execute(db)
}
