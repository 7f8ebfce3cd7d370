import type { Kysely, Transaction } from 'kysely'

/**
 * Runs `work` in a transaction: the one `db` already is, or a new one. Lets a function
 * that must be atomic be called both on its own and inside a larger transaction.
 */
export function withTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<DB>)
  return db.transaction().execute(work)
}
