import { type Kysely, sql } from 'kysely'

// Also announce each access change on channel `trellis_access`: an embedded database
// (one process owns it) hears its own changes at commit and skips reading the counter.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function bump_access_version() returns trigger language plpgsql as $$
    begin
      update access_version set version = version + 1;
      perform pg_notify('trellis_access', '');
      return null;
    end
    $$
  `.execute(db)
}
