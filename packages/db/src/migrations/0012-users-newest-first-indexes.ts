import { type Kysely, sql } from 'kysely'

// users.list reads a page's ids from an index alone, in one of two shapes (usersNewestFirst):
// a small subtree whole by path range, a large one by walking all users newest first and
// testing the path in the index entry. Both indexes replace one that had the same leading
// keys, so a move (which rewrites paths, never a HOT update) writes as many index entries as
// before. bench/README.md ("Issue 13: what is left, measured") has the figures.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index users_path_created on users (path, created_at desc, id desc)`.execute(db)
  await sql`drop index users_path`.execute(db)
  await sql`create index users_created_path on users (created_at desc, id desc) include (path)`.execute(db)
  await sql`drop index users_created_at`.execute(db)
}
