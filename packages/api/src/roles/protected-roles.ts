import type { Grant } from '@trellis/core'
import { protectedRolesLeftWithoutHolder, type TrellisDatabase } from '@trellis/db'
import type { AppPermission } from '../permissions.js'
import { lastProtectedHolder, protectedRoleGrant } from './role-errors.js'

/**
 * Refuses (CONFLICT) a change that would leave a protected role without an active holder:
 * removing `userId` entirely (deactivate, delete), or only its binding `bindingId`.
 * Call inside the change's transaction: the roles concerned stay locked until it ends.
 */
export async function assertProtectedRolesKeepHolders(
  trx: TrellisDatabase,
  change: { readonly userId: string; readonly bindingId?: string },
): Promise<void> {
  const [orphaned] = await protectedRolesLeftWithoutHolder(trx, change)
  if (orphaned === undefined) return
  throw lastProtectedHolder(orphaned)
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
  role: { readonly name: string; readonly protected: boolean },
  permission: string,
  grant: Grant | null,
): void {
  if (!role.protected || !Object.hasOwn(ADMINISTRATION_GRANTS, permission)) return
  const required: Grant = ADMINISTRATION_GRANTS[permission as keyof typeof ADMINISTRATION_GRANTS]
  if (grant === required) return
  throw protectedRoleGrant(role.name, permission, required)
}
