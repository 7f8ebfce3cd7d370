import { type EntityTypeScope, type Level, levelIncludes, type PolicyScope } from '@trellis/core'
import type { Permission } from './permission.js'
import type { RouterOutputs } from './router-types.js'

/** What `access.mine` answers: the caller's effective grants. */
export type MyGrants = RouterOutputs['access']['mine']

/**
 * Whether grants from `access.mine` allow `permission` (at least at `level`, for a leveled
 * one; within `scope`, counting the bindings scoped to it). For hiding what a user may
 * not do: the server still decides every call, and grants change, so fetch them again
 * after a role change or a FORBIDDEN.
 *
 * @example
 * const mine = await trellis.access.mine.query()
 * if (can(mine, 'invitations.create')) showInviteButton()
 * can(mine, 'users.read', 'ALL') // reads every user?
 * can(mine, entityTypePermission('cars', 'create'), 'OWNED', entityTypeScope('cars'))
 * can(mine, 'records.read', 'ALL', policyScope('partnerFeed')) // reads through that policy?
 */
export function can(
  mine: MyGrants,
  permission: Permission,
  level?: Level,
  scope?: EntityTypeScope | PolicyScope,
): boolean {
  const grantIn = (grants: Record<string, true | Level> | undefined) =>
    grants && Object.hasOwn(grants, permission) ? grants[permission] : undefined
  const granted = [grantIn(mine.grants)]
  if (scope) granted.push(grantIn(mine.scoped.find((entry) => entry.scope === scope)?.grants))
  return granted.some((grant) => {
    if (grant === undefined) return false
    // A boolean grant has no level to compare: holding it is all there is.
    if (grant === true || level === undefined) return true
    return levelIncludes(grant, level)
  })
}
