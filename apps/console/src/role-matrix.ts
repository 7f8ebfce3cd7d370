/** A grant as roles.list answers it: `true` for a boolean permission, a level for a leveled one. */
export type Grant = true | Level
export type Level = 'SELF' | 'OWNED' | 'UNION' | 'ALL'
export const LEVELS: readonly Level[] = ['SELF', 'OWNED', 'UNION', 'ALL']

export interface MatrixRow {
  readonly permission: string
  readonly kind: 'boolean' | 'leveled'
}

/**
 * The rows of the roles matrix: every permission some role grants or some entity type
 * declares, grouped by resource. The console knows no permission list of its own (it may
 * only use the SDK), so a permission's kind is read off its grants: `true` is boolean, a
 * level is leveled, and an entity type's permissions are all leveled.
 */
export function matrixRows(
  roles: readonly { grants: Record<string, Grant> }[],
  entityTypePermissions: readonly string[],
): MatrixRow[] {
  const kinds = new Map<string, MatrixRow['kind']>()
  for (const permission of entityTypePermissions) kinds.set(permission, 'leveled')
  for (const role of roles)
    for (const [permission, grant] of Object.entries(role.grants))
      if (!kinds.has(permission)) kinds.set(permission, grant === true ? 'boolean' : 'leveled')
  return [...kinds]
    .map(([permission, kind]) => ({ permission, kind }))
    .sort((a, b) => a.permission.localeCompare(b.permission))
}
