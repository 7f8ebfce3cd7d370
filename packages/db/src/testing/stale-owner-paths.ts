import { sql } from 'kysely'
import type { TrellisDatabase } from '../schema/database.js'

/**
 * Every record whose `owner_path` is not its owner's current path: none, if the database
 * keeps the column right (migration 0010). Tests call it after each change to the tree.
 */
export async function recordsWithStaleOwnerPath(
  db: TrellisDatabase,
): Promise<{ id: string; owner_path: string; path: string }[]> {
  const result = await sql<{ id: string; owner_path: string; path: string }>`
    select r.id, r.owner_path, u.path from records r join users u on u.id = r.owner_id
    where r.owner_path is distinct from u.path
  `.execute(db)
  return result.rows
}
