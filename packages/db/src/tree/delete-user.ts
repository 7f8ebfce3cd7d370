import type { Transaction } from 'kysely'
import type { Database } from '../schema/database.js'
import { lockUserTree } from './lock-user-tree.js'
import { moveSubtree } from './move-subtree.js'
import { OWNED_TABLES, TABLES_DELETED_WITH_USER } from './owned-tables.js'
import { isInSubtree } from './user-path.js'
import { UserTreeError } from './user-tree-error.js'

export interface DeleteUserOutcome {
  /** Who received the children and records, or null when there was nothing to hand over. */
  readonly heirId: string | null
  readonly movedChildren: number
  readonly transferredRecords: number
}

/**
 * Deletes a user without losing data: its children (with their subtrees) and the rows it
 * owns (`OWNED_TABLES`: records, audit events) go to `transferTo`, by default its parent.
 * A root with children or records and no `transferTo` is refused, as is an heir inside
 * the deleted user's subtree.
 * Call inside a transaction.
 */
export async function deleteUser(
  trx: Transaction<Database>,
  userId: string,
  transferTo?: string,
): Promise<DeleteUserOutcome> {
  await lockUserTree(trx)
  // The row lock waits for a record being created for this user (it holds the row FOR
  // SHARE), so the records read below include it and none is left without an owner.
  const user = await trx
    .selectFrom('users')
    .select(['path', 'parent_id'])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst()
  if (!user) throw new UserTreeError('USER_NOT_FOUND')

  const children = await trx.selectFrom('users').select('id').where('parent_id', '=', userId).execute()
  // The registry's tables have different row types; an untyped view lets one loop reach each.
  const anyTrx = trx as Transaction<any>
  let ownsRows = false
  for (const { table, column, foreignKey } of OWNED_TABLES) {
    // Rows without a foreign key (the audit log) may outlive their owner: they need no heir.
    if (!foreignKey || ownsRows) continue
    const row = await anyTrx
      .selectFrom(table)
      .select(column)
      .where(column, '=', userId)
      .limit(1)
      .executeTakeFirst()
    ownsRows = row !== undefined
  }
  const heirId = transferTo ?? user.parent_id
  const hasSomethingToHandOver = children.length > 0 || ownsRows
  if (heirId === null) {
    if (hasSomethingToHandOver) throw new UserTreeError('DELETE_NEEDS_HEIR')
  } else {
    const heir = await trx.selectFrom('users').select('path').where('id', '=', heirId).executeTakeFirst()
    if (!heir) throw new UserTreeError('HEIR_NOT_FOUND')
    if (isInSubtree(heir.path, user.path)) throw new UserTreeError('HEIR_IN_SUBTREE')
  }

  for (const child of children) await moveSubtree(trx, child.id, heirId)
  let transferredRecords = 0
  if (heirId !== null) {
    for (const { table, column } of OWNED_TABLES) {
      const result = await anyTrx
        .updateTable(table)
        .set({ [column]: heirId })
        .where(column, '=', userId)
        .executeTakeFirst()
      if (table === 'records') transferredRecords = Number(result.numUpdatedRows)
    }
  }
  for (const { table, column } of TABLES_DELETED_WITH_USER) {
    await anyTrx.deleteFrom(table).where(column, '=', userId).execute()
  }
  await trx.deleteFrom('users').where('id', '=', userId).execute()
  return {
    heirId: hasSomethingToHandOver ? heirId : null,
    movedChildren: children.length,
    transferredRecords,
  }
}
