import { type Kysely, sql } from 'kysely'

// Records carry their owner's path, so a list at OWNED or UNION reads one index by path
// range (small subtrees) or walks newest first testing the path in the index entry (large
// ones), never probing users. A trigger sets it from the owner on insert and owner change,
// reading the owner row FOR SHARE so a concurrent move waits for the record, or the record
// for the move; moveSubtree rewrites it with the users' paths (its only other writer). bench/README.md has the figures.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table records add column owner_path text collate "C"`.execute(db)
  await sql`
    create function set_record_owner_path() returns trigger language plpgsql as $$
    begin
      select path into new.owner_path from users where id = new.owner_id for share;
      return new;
    end
    $$
  `.execute(db)
  await sql`
    create trigger records_owner_path before insert or update of owner_id on records
    for each row execute function set_record_owner_path()
  `.execute(db)
  await sql`update records set owner_path = users.path from users where users.id = records.owner_id`.execute(
    db,
  )
  await sql`alter table records alter column owner_path set not null`.execute(db)
  await sql`
    create index records_owner_path on records (owner_path, created_at desc, id desc) include (entity_type_id)
  `.execute(db)
  // Same keys as records_created, which it replaces, with what the walk filters on.
  await sql`
    create index records_created_owner_path on records (created_at desc, id desc)
    include (owner_path, entity_type_id)
  `.execute(db)
  await sql`drop index records_created`.execute(db)
}
