import type { TrellisDatabase } from '../schema/database.js'

/** A role binding an invitation carries, as stored until the invited user accepts. */
export interface InvitationBinding {
  readonly userId: string
  readonly roleId: string
  readonly roleName: string
  readonly scope: string | null
  /** Who vouches for it at acceptance; null once that user was deleted. */
  readonly invitedBy: string | null
}

/** Stores the bindings an invitation of `userId` carries; a repeated one is stored once. */
export async function addInvitationBindings(
  db: TrellisDatabase,
  userId: string,
  invitedBy: string,
  bindings: readonly { readonly roleId: string; readonly scope: string | null }[],
): Promise<void> {
  if (bindings.length === 0) return
  await db
    .insertInto('invitation_bindings')
    .values(
      bindings.map((binding) => ({
        user_id: userId,
        role_id: binding.roleId,
        scope: binding.scope,
        invited_by: invitedBy,
      })),
    )
    .onConflict((conflict) => conflict.doNothing())
    .execute()
}

/** The bindings the invitations of these users carry, by role name then scope. */
export async function invitationBindingsOf(
  db: TrellisDatabase,
  userIds: readonly string[],
): Promise<InvitationBinding[]> {
  if (userIds.length === 0) return []
  const rows = await db
    .selectFrom('invitation_bindings')
    .innerJoin('roles', 'roles.id', 'invitation_bindings.role_id')
    .select([
      'invitation_bindings.user_id',
      'invitation_bindings.role_id',
      'roles.name',
      'invitation_bindings.scope',
      'invitation_bindings.invited_by',
    ])
    .where('invitation_bindings.user_id', 'in', userIds)
    .orderBy('roles.name')
    .orderBy('invitation_bindings.scope')
    .execute()
  return rows.map((row) => ({
    userId: row.user_id,
    roleId: row.role_id,
    roleName: row.name,
    scope: row.scope,
    invitedBy: row.invited_by,
  }))
}

/** Makes `inviterId` the one who vouches for every binding of the invitation of `userId`. */
export async function setInvitationInviter(
  db: TrellisDatabase,
  userId: string,
  inviterId: string,
): Promise<void> {
  await db
    .updateTable('invitation_bindings')
    .set({ invited_by: inviterId })
    .where('user_id', '=', userId)
    .execute()
}

/** Forgets the bindings of the invitation of `userId` (made into real ones, or withdrawn). */
export async function clearInvitationBindings(db: TrellisDatabase, userId: string): Promise<void> {
  await db.deleteFrom('invitation_bindings').where('user_id', '=', userId).execute()
}
