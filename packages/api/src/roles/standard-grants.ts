import type { EntityTypePermission, EntityTypesConfig, Grant } from '@trellis/core'
import { entityTypePermissions } from '@trellis/core'
import { type AppGrants, PERMISSIONS } from '../permissions.js'

/**
 * What every caller may do, with the default roles and every preset: see that the server
 * runs, sign in and out, recover a password, accept an invitation, ask what it may do
 * (`access.mine`, so an app can hide what its user may not do). Session housekeeping
 * (`auth.me`, logout) is not in the seeds' lists but every product needs it.
 */
export const SIGN_IN_GRANTS = {
  'system.info': true,
  'system.ping': true,
  'auth.login': true,
  'auth.logout': true,
  'auth.logoutEverywhere': true,
  'auth.me': true,
  'auth.requestPasswordReset': true,
  'auth.resetPassword': true,
  'invitations.accept': true,
  'access.mine': true,
} as const

/** Every permission the router and the given entity types declare, leveled ones at ALL. */
export function everyPermission<const T extends EntityTypesConfig>(
  entityTypes: T,
): AppGrants<EntityTypePermission<T>> {
  const grants: Record<string, Grant> = {}
  for (const [name, kind] of Object.entries(PERMISSIONS)) grants[name] = kind === 'leveled' ? 'ALL' : true
  for (const [name, type] of Object.entries(entityTypes)) {
    for (const permission of entityTypePermissions(name, type)) grants[permission.name] = 'ALL'
  }
  return grants as AppGrants<EntityTypePermission<T>>
}
