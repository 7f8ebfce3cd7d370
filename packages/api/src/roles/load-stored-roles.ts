import type { Grant, Level, RolesConfig } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'

/** The roles in the database, in the shape of a roles config, so one check covers both. */
export async function loadStoredRoles(db: TrellisDatabase): Promise<RolesConfig> {
  const rows = await db
    .selectFrom('roles')
    .leftJoin('role_grants', 'role_grants.role_id', 'roles.id')
    .select(['roles.name', 'roles.is_protected', 'role_grants.permission', 'role_grants.level'])
    .execute()
  // Maps, not objects indexed by name: a role may be called `constructor`.
  const roles = new Map<string, { protected: boolean; grants: Map<string, Grant> }>()
  for (const row of rows) {
    const role = roles.get(row.name) ?? { protected: row.is_protected, grants: new Map() }
    roles.set(row.name, role)
    if (row.permission) role.grants.set(row.permission, row.level === null ? true : (row.level as Level))
  }
  return Object.fromEntries(
    [...roles].map(([name, role]) => [name, { ...role, grants: Object.fromEntries(role.grants) }]),
  )
}
