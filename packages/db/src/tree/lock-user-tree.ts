import { type Kysely, sql } from 'kysely'

// Any key will do as long as only the tree uses it.
const USER_TREE_LOCK_KEY = 7_310_245_001

/**
 * Serialises changes to the tree's shape (insert, move, delete) until the transaction
 * ends. Two moves that are each fine alone can together form a cycle; with the lock the
 * second sees the first's result and is refused. Reads never wait for it.
 */
export async function lockUserTree(trx: Kysely<any>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${USER_TREE_LOCK_KEY})`.execute(trx)
}
