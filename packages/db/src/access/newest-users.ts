import { type Kysely, sql } from 'kysely'
import type { Database } from '../schema/database.js'
import { subtreeHolds } from './subtree-size.js'

/**
 * From this many users up, a subtree's newest users are found by walking all users newest
 * first; below it, by reading the subtree's users whole and sorting them. Higher than for
 * records: a user's index entry is all there is to read of it, so reading a range stays
 * cheap longer. Between the 2.5k (range 2.5 ms, walk 7.4 ms) and 10k (8.2 against 3.2 ms)
 * subtrees measured in bench/README.md ("Issue 13: what is left, measured").
 */
export const USERS_WALK_FROM_USERS = 5_000

/**
 * The users a newest-first page reads its ids from, shaped for how many users it can reach:
 * `reach` is the path of the subtree the page is limited to, null for all users. Alias
 * `users`, with the columns a list filters on; the filters and the keyset go on top.
 *
 * As for records (recordsNewestFirst): the planner estimates a range of 10k users at ~100
 * and reads and sorts the whole range. A subtree of USERS_WALK_FROM_USERS users or more gets its path hidden
 * behind `|| ''`, which leaves the newest-first index (`users_created_path`, whose entries
 * carry the path) to walk; a small one is read from `users_path_created` and sorted.
 *
 * @example
 * db.selectFrom(await usersNewestFirst(db, '/2/41/')).select('users.id').where(filters)
 */
export async function usersNewestFirst(db: Kysely<Database>, reach: string | null) {
  return usersShaped(db, reach === null || (await subtreeHolds(db, reach, USERS_WALK_FROM_USERS)))
}

/** `usersNewestFirst` for a shape chosen already: `walk` hides the path from its own index. */
export function usersShaped(db: Kysely<Database>, walk: boolean) {
  return db
    .selectFrom('users')
    .select([
      'users.id',
      'users.created_at',
      'users.email',
      'users.display_name',
      'users.kind',
      'users.status',
      'users.parent_id',
      walk ? sql<string>`users.path || ''`.as('path') : 'users.path',
    ])
    .as('users')
}
