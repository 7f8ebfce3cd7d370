import type { Grant, Level, RolesConfig } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'

/** The roles in the database, in the shape of a roles config, so one check covers both. */
export async function loadStoredRoles(db: TrellisDatabase): Promise<RolesConfig> {
  const rows = await db
    .selectFrom('roles')
    .leftJoin('role_grants', 'role_grants.role_id', 'roles.id')
    .select(['roles.name', 'roles.is_protected', 'role_grants.permission', 'role_grants.level'])
    .execute()
  const roles: Record<string, { protected: boolean; grants: Record<string, Grant> }> = {}
  for (const row of rows) {
    roles[row.name] ??= { protected: row.is_protected, grants: {} }
    if (row.permission)
      roles[row.name]!.grants[row.permission] = row.level === null ? true : (row.level as Level)
  }
  return roles
}
