import { type Kysely, sql } from 'kysely'

// A counter that moves whenever anything an access decision reads changes: roles, their
// grants, role bindings, a user's status or place in the tree. Each server reads it once
// per call and drops its cached decisions when it moved, so every instance decides the
// very next call on the new state without a query per grant.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table access_version (
      id boolean primary key default true check (id),
      version bigint not null default 0
    )
  `.execute(db)
  await sql`insert into access_version default values`.execute(db)
  await sql`
    create function bump_access_version() returns trigger language plpgsql as $$
    begin
      update access_version set version = version + 1;
      return null;
    end
    $$
  `.execute(db)
  for (const table of ['roles', 'role_grants', 'user_roles']) {
    await sql`
      create trigger ${sql.id(`${table}_bump_access_version`)}
      after insert or update or delete or truncate on ${sql.id(table)}
      for each statement execute function bump_access_version()
    `.execute(db)
  }
  await sql`
    create trigger users_bump_access_version
    after update of status, path, parent_id or delete on users
    for each statement execute function bump_access_version()
  `.execute(db)
}
