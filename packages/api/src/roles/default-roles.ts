import { type Grant, type PermissionDeclaration, PUBLIC_ROLE, type RolesConfig } from '@trellis/core'

/** The protected top role the first administrator holds when no preset is chosen. */
export const ADMIN_ROLE = 'admin'

/**
 * What every caller may do out of the box: see that the server runs, sign in and out,
 * look after its own password, and ask what it may do (`access.mine`). Procedures that need a session still ask for one.
 */
const PUBLIC_PERMISSIONS = new Set([
  'system.info',
  'system.ping',
  'auth.login',
  'auth.logout',
  'auth.logoutEverywhere',
  'auth.me',
  'auth.changePassword',
  'auth.requestPasswordReset',
  'auth.resetPassword',
  'invitations.accept',
  'access.mine',
])

/**
 * The roles a server starts with when given none: `public` for anonymous callers and a
 * protected `admin` holding every permission the router declares, leveled ones at ALL.
 */
export function defaultRoles(permissions: readonly PermissionDeclaration<string>[]): RolesConfig {
  const everything = Object.fromEntries(
    permissions.map(({ name, kind }): [string, Grant] => [name, kind === 'leveled' ? 'ALL' : true]),
  )
  const publicGrants = Object.fromEntries(
    permissions
      .filter(({ name }) => PUBLIC_PERMISSIONS.has(name))
      .map(({ name }): [string, Grant] => [name, true]),
  )
  return {
    [PUBLIC_ROLE]: { description: 'Every caller, signed in or not', grants: publicGrants },
    [ADMIN_ROLE]: { description: 'Administers everything', protected: true, grants: everything },
  }
}
