import { type Kysely, sql } from 'kysely'
import type { Database } from '../schema/database.js'
import { subtreeRange } from '../tree/user-path.js'

/**
 * From this many users up, a subtree's newest records are found by walking all records newest
 * first; below it, by reading the subtree's records whole and sorting them. Near the
 * crossover measured in bench/README.md ("List pages at every scope").
 */
export const WALK_FROM_USERS = 2_000

/**
 * The records a newest-first page reads its ids from, shaped for how many records it can
 * reach: `reach` is the path of the subtree the page is limited to, null for all records.
 * Alias `records`, with the columns a list filters on; the filters and the keyset go on top.
 *
 * The planner cannot choose the shape itself: it estimates a path range of a few thousand
 * users at 1–3% of its true size and then reads and sorts 100k records where walking the
 * newest 5,000 index entries would do. So the subtree's users are counted (up to
 * WALK_FROM_USERS, an index-only scan; the answer is kept for a minute) and a large subtree gets its owner path hidden
 * behind `|| ''`, which leaves only the newest-first index (`records_created_owner_path`,
 * whose entries carry the path and the type) to read it from.
 *
 * @example
 * db.selectFrom(await recordsNewestFirst(db, '/2/41/')).select('records.id').where(filters)
 */
export async function recordsNewestFirst(db: Kysely<Database>, reach: string | null) {
  return recordsShaped(db, reach === null || (await isLargeSubtree(db, reach)))
}

/** `recordsNewestFirst` for a shape chosen already: `walk` hides the owner path from its own index. */
export function recordsShaped(db: Kysely<Database>, walk: boolean) {
  return db
    .selectFrom('records')
    .select([
      'records.id',
      'records.created_at',
      'records.entity_type_id',
      'records.owner_id',
      'records.status',
      walk ? sql<string>`records.owner_path || ''`.as('owner_path') : 'records.owner_path',
    ])
    .as('records')
}

// The answers of isLargeSubtree, per database, for a minute: a list's page then costs one
// statement. Sizes change only as users join, move or leave, and a stale answer picks a
// slower shape for the same rows, never other rows.
const REMEMBER_MS = 60_000
const REMEMBER_PATHS = 10_000
const largeSubtrees = new WeakMap<Kysely<Database>, Map<string, { large: boolean; until: number }>>()

async function isLargeSubtree(db: Kysely<Database>, path: string): Promise<boolean> {
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
