import type { Grant } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'
import { TrellisError } from '../errors/trellis-error.js'
import type { AppPermission } from '../permissions.js'

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
      throw new TrellisError({
        code: 'CONFLICT',
        reason: 'LAST_PROTECTED_HOLDER',
        message: `This would leave the protected role "${role.name}" with no active holder: give it to another active user first`,
      })
    }
  }
}

/**
 * What a protected role always keeps, at these grants: what its holders administer roles
 * and users with. Without them a narrower `roles.update` holder could take them away and
 * nobody could give them back (no one can grant more than they hold).
 */
export const ADMINISTRATION_GRANTS = {
  'roles.read': true,
  'roles.create': true,
  'roles.update': true,
  'roles.delete': true,
  'users.read': 'ALL',
  'users.create': 'ALL',
  'users.update': 'ALL',
  'users.move': 'ALL',
  'users.delete': 'ALL',
  'users.deactivate': 'ALL',
  'users.reactivate': 'ALL',
  'users.assignRole': 'ALL',
  'users.unassignRole': 'ALL',
} as const satisfies Partial<Record<AppPermission, Grant>>

/**
 * Refuses (CONFLICT) to set a protected role's grant of an administration permission
 * (ADMINISTRATION_GRANTS) below what it must keep; `grant: null` removes it.
 */
export function assertProtectedRoleKeepsAdministration(
  role: { readonly name: string; readonly isProtected: boolean },
  permission: string,
  grant: Grant | null,
): void {
  if (!role.isProtected || !Object.hasOwn(ADMINISTRATION_GRANTS, permission)) return
  const required: Grant = ADMINISTRATION_GRANTS[permission as keyof typeof ADMINISTRATION_GRANTS]
  if (grant === required) return
  const at = required === true ? '' : ` at ${required}`
  throw new TrellisError({
    code: 'CONFLICT',
    reason: 'PROTECTED_ROLE_GRANT',
    message: `The protected role ${role.name} must keep ${permission}${at}: its holders administer roles and users with it`,
  })
}
