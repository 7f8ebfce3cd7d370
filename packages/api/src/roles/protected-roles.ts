import type { TrellisDatabase } from '@trellis/db'
import { TRPCError } from '@trpc/server'

/**
 * Refuses (CONFLICT) a change that would leave a protected role without an active holder:
 * removing `userId` entirely (deactivate, delete), or only its binding `bindingId`.
 * The protected roles concerned are locked first, so two such changes racing on
 * PostgreSQL run one after the other and the second sees the first. Call inside the
 * change's transaction.
 */
export async function assertProtectedRolesKeepHolders(
  trx: TrellisDatabase,
  change: { readonly userId: string; readonly bindingId?: string },
): Promise<void> {
  let held = trx
    .selectFrom('user_roles')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select(['roles.id', 'roles.name'])
    .where('user_roles.user_id', '=', change.userId)
    .where('roles.is_protected', '=', true)
  if (change.bindingId) held = held.where('user_roles.id', '=', change.bindingId)
  const roles = await held.execute()
  if (roles.length === 0) return
  await trx
    .selectFrom('roles')
    .select('id')
    .where(
      'id',
      'in',
      roles.map((role) => role.id),
    )
    .orderBy('id')
    .forUpdate()
    .execute()
  for (const role of roles) {
    let others = trx
      .selectFrom('user_roles')
      .innerJoin('users', 'users.id', 'user_roles.user_id')
      .select('user_roles.id')
      .where('user_roles.role_id', '=', role.id)
      .where('users.status', '=', 'active')
    others = change.bindingId
      ? others.where('user_roles.id', '!=', change.bindingId)
      : others.where('user_roles.user_id', '!=', change.userId)
    if (!(await others.limit(1).executeTakeFirst())) {
      throw new TRPCError({
        code: 'CONFLICT',
        message: `This would leave the protected role "${role.name}" with no active holder: give it to another active user first`,
      })
    }
  }
}
