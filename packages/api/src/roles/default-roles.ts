import { PUBLIC_ROLE, type RolesConfig } from '@trellis/core'
import { defineRoles } from '../permissions.js'
import { everyPermission, SIGN_IN_GRANTS } from './standard-grants.js'

/** The protected top role the first administrator holds when no preset is chosen. */
export const ADMIN_ROLE = 'admin'

/**
 * The roles a server starts with when given none: `public` for every caller, who may also
 * look after its own password, and a protected `admin` holding every permission the router
 * declares, leveled ones at ALL. Procedures that need a session still ask for one.
 */
export const DEFAULT_ROLES: RolesConfig = defineRoles({
  [PUBLIC_ROLE]: {
    description: 'Every caller, signed in or not',
    grants: { ...SIGN_IN_GRANTS, 'auth.changePassword': true },
  },
  [ADMIN_ROLE]: { description: 'Administers everything', protected: true, grants: everyPermission({}) },
})
