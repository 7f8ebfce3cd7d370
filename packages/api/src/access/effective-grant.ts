import { broadestLevel, type Grant, type Level, PUBLIC_ROLE } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import { entityTypePermissionParts } from './record-permission.js'

/** One grant that counts toward a decision, and where it comes from. */
export interface GrantSource {
  readonly role: string
  /** The permission granted: the one asked for, or the generic records one that covers it. */
  readonly permission: string
  readonly grant: Grant
  /** The resource the binding is limited to, or null for a binding that applies everywhere. */
  readonly scope: string | null
}

/**
 * Every grant of one permission the caller holds: through the `public` role, and through
 * each role bound to it, unscoped or scoped to `scope` (a binding scoped to something
 * else does not apply). An entity type's permission (`shares.read`) is also granted by
 * the generic one (`records.read`), and bindings scoped to its type apply, as the
 * records gate decides (RecordAccess).
 */
export async function grantSources(
  db: TrellisDatabase,
  callerId: string | null,
  permission: string,
  scope: string | null = null,
): Promise<GrantSource[]> {
  const parts = entityTypePermissionParts(permission)
  if (!parts) return sourcesOf(db, callerId, permission, scope)
  const typeScope = scope ?? parts.scope
  return [
    ...(await sourcesOf(db, callerId, permission, typeScope)),
    ...(await sourcesOf(db, callerId, parts.generic, typeScope)),
  ]
}

async function sourcesOf(
  db: TrellisDatabase,
  callerId: string | null,
  permission: string,
  scope: string | null,
): Promise<GrantSource[]> {
  const publicGrants = db
    .selectFrom('role_grants')
    .innerJoin('roles', 'roles.id', 'role_grants.role_id')
    .select(['roles.name', 'role_grants.level', sql<string | null>`null`.as('scope')])
    .where('role_grants.permission', '=', permission)
    .where('roles.name', '=', PUBLIC_ROLE)
  if (callerId === null) return toSources(permission, await publicGrants.execute())
  const boundGrants = db
    .selectFrom('role_grants')
    .innerJoin('roles', 'roles.id', 'role_grants.role_id')
    .innerJoin('user_roles', 'user_roles.role_id', 'roles.id')
    .select(['roles.name', 'role_grants.level', 'user_roles.scope'])
    .where('role_grants.permission', '=', permission)
    .where('user_roles.user_id', '=', callerId)
    .where((eb) =>
      eb.or([eb('user_roles.scope', 'is', null), ...(scope ? [eb('user_roles.scope', '=', scope)] : [])]),
    )
  return toSources(permission, await publicGrants.unionAll(boundGrants).execute())
}

function toSources(
  permission: string,
  rows: { name: string; level: Level | null; scope: string | null }[],
): GrantSource[] {
  return rows.map((row) => ({
    role: row.name,
    permission,
    grant: row.level === null ? true : row.level,
    scope: row.scope,
  }))
}

/** The grants combined: a boolean grant anywhere is `true`; levels combine to the broadest. */
export function combineGrants(sources: readonly GrantSource[]): Grant | undefined {
  if (sources.length === 0) return undefined
  if (sources.some((source) => source.grant === true)) return true
  return broadestLevel(sources.map((source) => source.grant as Level))
}

/**
 * What the caller's roles grant for one permission (see `grantSources`), or `undefined`
 * when nothing grants it.
 */
export async function effectiveGrant(
  db: TrellisDatabase,
  callerId: string | null,
  permission: string,
  scope: string | null = null,
): Promise<Grant | undefined> {
  return combineGrants(await grantSources(db, callerId, permission, scope))
}
