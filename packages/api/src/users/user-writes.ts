import type { UserKind } from '@trellis/core'
import { insertUser, type TrellisDatabase } from '@trellis/db'
import { mutationTransaction } from '../trpc/mutation-transaction.js'
import { toUserView, USER_VIEW_COLUMNS } from './user-view.js'

/**
 * Inserts a user under a parent already found within the caller's level: people start
 * `invited`, services `active`.
 */
export async function createUserUnder(
  db: TrellisDatabase,
  input: { readonly email: string; readonly displayName?: string | undefined; readonly parentId: string },
  kind: UserKind,
) {
  const user = await insertUser(mutationTransaction(db), {
    email: input.email,
    display_name: input.displayName ?? '',
    kind,
    status: kind === 'service' ? 'active' : 'invited',
    parent_id: input.parentId,
  })
  return toUserView(user)
}

/** Sets what a user update may change (email, display name) on a user already found within the caller's level. */
export async function updateUserDetails(
  db: TrellisDatabase,
  input: {
    readonly id: string
    readonly email?: string | undefined
    readonly displayName?: string | undefined
  },
) {
  const row = await db
    .updateTable('users')
    .set({
      ...(input.email !== undefined ? { email: input.email } : {}),
      ...(input.displayName !== undefined ? { display_name: input.displayName } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', input.id)
    .returning(USER_VIEW_COLUMNS)
    .executeTakeFirstOrThrow()
  return toUserView(row)
}
