import { type Kysely, sql } from 'kysely'

// Records may involve users besides their owner, under a party name (an entity type's
// `parties`). The level filter asks "is any counted party within the level" with one
// EXISTS per record on the primary key, so each row carries its user's path, kept like
// records.owner_path (0010): a trigger on insert, moveSubtree on moves. Deleting a user
// deletes its party rows (deleteUser); the records stay with their owners.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table entity_types add column parties jsonb`.execute(db)
  await sql`
    create table record_parties (
      record_id uuid not null references records (id) on delete cascade,
      party text not null,
      user_id uuid not null references users (id),
      user_path text collate "C" not null,
      created_at timestamptz not null default now(),
      primary key (record_id, party, user_id)
    )
  `.execute(db)
  await sql`
    create function set_record_party_path() returns trigger language plpgsql as $$
    begin
      select path into new.user_path from users where id = new.user_id for share;
      return new;
    end
    $$
  `.execute(db)
  await sql`
    create trigger record_parties_user_path before insert or update of user_id on record_parties
    for each row execute function set_record_party_path()
  `.execute(db)
  // The records a subtree of users is party to; and a user's rows, for deleting it.
  await sql`create index record_parties_user_path on record_parties (user_path, record_id)`.execute(db)
  await sql`create index record_parties_user_id on record_parties (user_id)`.execute(db)
}
