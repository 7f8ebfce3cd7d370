import { isLevel } from './level.js'
import type { PermissionDeclaration } from './permission.js'
import type { RolesConfig } from './role.js'

/** A role name: lowercase letters, digits, `-` or `_`, starting with a letter. */
export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/

/**
 * Checks a roles config against the permissions that really exist, for configs that
 * come from outside the type system (the database, JSON). Returns one message a problem.
 */
export function findRolesConfigProblems(
  roles: RolesConfig,
  declared: readonly PermissionDeclaration<string>[],
): string[] {
  const kinds = new Map(declared.map((permission) => [permission.name, permission.kind]))
  const problems: string[] = []
  for (const [roleName, role] of Object.entries(roles)) {
    if (!ROLE_NAME_PATTERN.test(roleName)) {
      problems.push(`Role "${roleName}": a role name is lowercase letters, digits, "-" or "_"`)
    }
    for (const [permission, grant] of Object.entries(role.grants)) {
      const kind = kinds.get(permission)
      if (kind === undefined) {
        problems.push(`Role "${roleName}": unknown permission "${permission}"`)
      } else if (kind === 'boolean' && grant !== true) {
        problems.push(`Role "${roleName}": "${permission}" is boolean, grant it with true`)
      } else if (kind === 'leveled' && !isLevel(grant)) {
        problems.push(
          `Role "${roleName}": "${permission}" is leveled, grant it with SELF, OWNED, UNION or ALL`,
        )
      }
    }
  }
  return problems
}
