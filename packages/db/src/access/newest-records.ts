import { type Kysely, sql } from 'kysely'
import type { Database } from '../schema/database.js'
import { subtreeHolds } from './subtree-size.js'

/**
 * From this many users up, a subtree's newest records are found by walking all records newest
 * first; below it, by reading the subtree's records whole and sorting them. Near the
 * crossover measured in bench/README.md ("List pages at every scope").
 */
export const RECORDS_WALK_FROM_USERS = 2_000

/**
 * The records a newest-first page reads its ids from, shaped for how many records it can
 * reach: `reach` is the path of the subtree the page is limited to, null for all records.
 * Alias `records`, with the columns a list filters on; the filters and the keyset go on top.
 *
 * The planner cannot choose the shape itself: it estimates a path range of a few thousand
 * users at 1–3% of its true size and then reads and sorts 100k records where walking the
 * newest 5,000 index entries would do. So a subtree of RECORDS_WALK_FROM_USERS users or more gets its owner
 * path hidden behind `|| ''`, which leaves only the newest-first index
 * (`records_created_owner_path`, whose entries carry the path and the type) to read it from.
 *
 * @example
 * db.selectFrom(await recordsNewestFirst(db, '/2/41/')).select('records.id').where(filters)
 */
export async function recordsNewestFirst(db: Kysely<Database>, reach: string | null) {
  return recordsShaped(db, reach === null || (await subtreeHolds(db, reach, RECORDS_WALK_FROM_USERS)))
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
      // For a policy's filter; a derived table is flattened into the query, so unread it costs nothing.
      'records.data',
      walk ? sql<string>`records.owner_path || ''`.as('owner_path') : 'records.owner_path',
    ])
    .as('records')
}

/**
 * Below this many users in the subtree a page's counted parties can reach, a records page
 * of a type with parties reads its owner and party halves as two branches merged (the
 * party rows are few); from PARTY_UNION_FROM_USERS up again, where the party branch finds
 * its page in a short newest-first walk. Between, both halves cost a subtree's thousands
 * of party rows and the one `or` filter is as fast or faster (bench/README.md, "Issue 14").
 */
export const PARTY_UNION_BELOW_USERS = 1_000
export const PARTY_UNION_FROM_USERS = 100_000

/**
 * Whether a records page reads its party half apart from its owner half: `partyReach` is
 * the path of the broadest subtree a counted party can be in, null when it is the caller
 * alone (SELF).
 */
export async function partiesPagedApart(db: Kysely<Database>, partyReach: string | null): Promise<boolean> {
  if (partyReach === null || !(await subtreeHolds(db, partyReach, PARTY_UNION_BELOW_USERS))) return true
  return subtreeHolds(db, partyReach, PARTY_UNION_FROM_USERS)
}
