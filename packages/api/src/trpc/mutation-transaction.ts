import type { Database, TrellisDatabase } from '@trellis/db'
import type { Transaction } from 'kysely'

/**
 * A mutation's `ctx.db`, typed as the transaction it is (init.ts opens it), for the
 * functions that take one (`insertUser`, `moveSubtree`, `deleteUser`). Throws in a query
 * or a `selfCommittingProcedure`, whose `ctx.db` commits each statement on its own.
 *
 * @example await insertUser(mutationTransaction(ctx.db), { email, kind: 'person', ... })
 */
export function mutationTransaction(db: TrellisDatabase): Transaction<Database> {
  if (!db.isTransaction) throw new Error('mutationTransaction: ctx.db is not a transaction here')
  return db as Transaction<Database>
}
