import type { Transaction } from 'kysely'
import type { Database } from '../schema/database.js'
import { lockUserTree } from './lock-user-tree.js'
import { moveSubtree } from './move-subtree.js'
import { isInSubtree } from './user-path.js'
import { UserTreeError } from './user-tree-error.js'

export interface DeleteUserOutcome {
  /** Who received the children and records, or null when there was nothing to hand over. */
  readonly heirId: string | null
  readonly movedChildren: number
  readonly transferredRecords: number
}

/**
 * Deletes a user without losing data: its children (with their subtrees) and the records
 * it owns go to `transferTo`, by default its parent. A root with something to hand over
 * and no `transferTo` is refused, as is an heir inside the deleted user's subtree.
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
  const ownsRecords = await trx
    .selectFrom('records')
    .select('id')
    .where('owner_id', '=', userId)
    .limit(1)
    .executeTakeFirst()
  const heirId = transferTo ?? user.parent_id
  const hasSomethingToHandOver = children.length > 0 || ownsRecords !== undefined
  if (heirId === null) {
    if (hasSomethingToHandOver) throw new UserTreeError('DELETE_NEEDS_HEIR')
  } else {
    const heir = await trx.selectFrom('users').select('path').where('id', '=', heirId).executeTakeFirst()
    if (!heir) throw new UserTreeError('HEIR_NOT_FOUND')
    if (isInSubtree(heir.path, user.path)) throw new UserTreeError('HEIR_IN_SUBTREE')
  }

  for (const child of children) await moveSubtree(trx, child.id, heirId)
  const transferred =
    heirId === null
      ? 0
      : Number(
          (
            await trx
              .updateTable('records')
              .set({ owner_id: heirId })
              .where('owner_id', '=', userId)
              .executeTakeFirst()
          ).numUpdatedRows,
        )
  if (heirId !== null) {
    await trx.updateTable('audit_events').set({ owner_id: heirId }).where('owner_id', '=', userId).execute()
  }
  await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute()
  await trx.deleteFrom('users').where('id', '=', userId).execute()
  return {
    heirId: hasSomethingToHandOver ? heirId : null,
    movedChildren: children.length,
    transferredRecords: transferred,
  }
}
