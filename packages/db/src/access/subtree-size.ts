import type { Kysely } from 'kysely'
import type { Database } from '../schema/database.js'
import { subtreeRange } from '../tree/user-path.js'

/**
 * From this many users up, a subtree's newest rows (records, users) are found by walking all
 * rows newest first; below it, by reading the subtree's rows whole and sorting them. Near the
 * crossover measured in bench/README.md ("List pages at every scope").
 */
export const WALK_FROM_USERS = 2_000

// The answers of isLargeSubtree, per database, for a minute: a list's page then costs one
// statement. Sizes change only as users join, move or leave, and a stale answer picks a
// slower shape for the same rows, never other rows.
const REMEMBER_MS = 60_000
const REMEMBER_PATHS = 10_000
const largeSubtrees = new WeakMap<Kysely<Database>, Map<string, { large: boolean; until: number }>>()

/**
 * Whether the subtree at `path` holds at least WALK_FROM_USERS users: what picks a
 * newest-first page's shape, since the planner misestimates a path range of a few thousand
 * users by 30–100×. Counts up to that many `users.path` index entries; remembered a minute.
 */
export async function isLargeSubtree(db: Kysely<Database>, path: string): Promise<boolean> {
  const known = largeSubtrees.get(db) ?? new Map()
  largeSubtrees.set(db, known)
  const now = Date.now()
  const remembered = known.get(path)
  if (remembered && remembered.until > now) return remembered.large
  const large = await holdsUsers(db, path, WALK_FROM_USERS)
  known.delete(path)
  // A Map keeps insertion order: the first key is the oldest answer.
  if (known.size >= REMEMBER_PATHS) known.delete(known.keys().next().value!)
  known.set(path, { large, until: now + REMEMBER_MS })
  return large
}

/** Whether the subtree at `path` holds at least `count` users, reading no more than that many. */
async function holdsUsers(db: Kysely<Database>, path: string, count: number): Promise<boolean> {
  const [lower, upper] = subtreeRange(path)
  const found = await db
    .selectFrom('users')
    .select('users.path')
    .where('users.path', '>=', lower)
    .where('users.path', '<', upper)
    .offset(count - 1)
    .limit(1)
    .executeTakeFirst()
  return found !== undefined
}
