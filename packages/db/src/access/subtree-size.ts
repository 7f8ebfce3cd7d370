import type { Kysely } from 'kysely'
import type { Database } from '../schema/database.js'
import { subtreeRange } from '../tree/user-path.js'

// The answers of holdsUsers, per database and question, for a minute: a list's page then costs one
// statement. Sizes change only as users join, move or leave, and a stale answer picks a
// slower shape for the same rows, never other rows.
const REMEMBER_MS = 60_000
const REMEMBER_PATHS = 10_000
const answers = new WeakMap<Kysely<Database>, Map<string, { holds: boolean; until: number }>>()

/**
 * Whether the subtree at `path` holds at least `count` users: what picks a newest-first
 * page's shape (recordsNewestFirst, usersNewestFirst), since the planner misestimates a path
 * range of a few thousand users by 30–100×. Counts up to `count` `users.path` index entries
 * (an index-only scan); the answer is remembered a minute.
 */
export async function subtreeHolds(db: Kysely<Database>, path: string, count: number): Promise<boolean> {
  const known = answers.get(db) ?? new Map()
  answers.set(db, known)
  const now = Date.now()
  const key = `${count} ${path}`
  const remembered = known.get(key)
  if (remembered && remembered.until > now) return remembered.holds
  const holds = await countUpTo(db, path, count)
  known.delete(key)
  // A Map keeps insertion order: the first key is the oldest answer.
  if (known.size >= REMEMBER_PATHS) known.delete(known.keys().next().value!)
  known.set(key, { holds, until: now + REMEMBER_MS })
  return holds
}

/** Whether the subtree at `path` holds at least `count` users, reading no more than that many. */
async function countUpTo(db: Kysely<Database>, path: string, count: number): Promise<boolean> {
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
