import type { Grant, Level } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'

export interface RoleView {
  readonly name: string
  readonly description: string
  readonly protected: boolean
  readonly grants: Record<string, Grant>
}

/** Roles with their grants, by name; all of them when `names` is omitted. */
export async function loadRoleViews(db: TrellisDatabase, names?: readonly string[]): Promise<RoleView[]> {
  let query = db
    .selectFrom('roles')
    .leftJoin('role_grants', 'role_grants.role_id', 'roles.id')
    .select([
      'roles.name',
      'roles.description',
      'roles.is_protected',
      'role_grants.permission',
      'role_grants.level',
    ])
    .orderBy('roles.name')
    .orderBy('role_grants.permission')
  if (names) query = query.where('roles.name', 'in', names.length > 0 ? [...names] : [''])
  const views = new Map<string, RoleView>()
  for (const row of await query.execute()) {
    let view = views.get(row.name)
    if (!view) {
      view = { name: row.name, description: row.description, protected: row.is_protected, grants: {} }
      views.set(row.name, view)
    }
    if (row.permission) view.grants[row.permission] = row.level === null ? true : (row.level as Level)
  }
  return [...views.values()]
}
