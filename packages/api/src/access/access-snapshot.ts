import { broadestLevel, type Grant, type Level, PUBLIC_ROLE, type UserStatus } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'

const MAX_CACHED_CALLERS = 50_000

/** One role's grant of a permission. */
interface RoleGrant {
  readonly roleId: string
  readonly grant: Grant
}

/** What the decision needs to know of a caller. */
export interface CallerFacts {
  readonly id: string
  readonly status: UserStatus
  readonly path: string
  readonly bindings: readonly { readonly roleId: string; readonly scope: string | null }[]
}

/**
 * Roles and grants as of one `access_version`, with callers loaded on demand: everything
 * an access decision reads, in memory.
 */
export class AccessSnapshot {
  readonly #callers = new Map<string, CallerFacts>()

  constructor(
    readonly version: string,
    private readonly grantsByPermission: ReadonlyMap<string, readonly RoleGrant[]>,
    private readonly publicRoleId: string | undefined,
  ) {}

  /**
   * The caller's facts: from memory, or loaded once for this version. Null: no such user
   * (not remembered: a user created later would otherwise stay unknown).
   */
  async caller(db: TrellisDatabase, userId: string): Promise<CallerFacts | null> {
    const known = this.#callers.get(userId)
    if (known) return known
    const rows = await db
      .selectFrom('users')
      .leftJoin('user_roles', 'user_roles.user_id', 'users.id')
      .select(['users.id', 'users.status', 'users.path', 'user_roles.role_id', 'user_roles.scope'])
      .where('users.id', '=', userId)
      .execute()
    const first = rows[0]
    const facts = first
      ? {
          id: first.id,
          status: first.status,
          path: first.path,
          bindings: rows.flatMap((row) => (row.role_id ? [{ roleId: row.role_id, scope: row.scope }] : [])),
        }
      : null
    if (facts) {
      // Bounded: past this many callers in one version, start over rather than grow.
      if (this.#callers.size >= MAX_CACHED_CALLERS) this.#callers.clear()
      this.#callers.set(userId, facts)
    }
    return facts
  }

  /** Every permission some role grants. */
  permissions(): Iterable<string> {
    return this.grantsByPermission.keys()
  }

  /**
   * The decision itself, in memory: the `public` role's grant plus those of the caller's
   * bindings that apply (unscoped, or scoped to `scope`); `true` wins, levels combine to
   * the broadest. `undefined` when nothing grants the permission.
   */
  grantFor(caller: CallerFacts | null, permission: string, scope: string | null = null): Grant | undefined {
    const grants = this.grantsByPermission.get(permission)
    if (!grants) return undefined
    const levels: Level[] = []
    for (const { roleId, grant } of grants) {
      const applies =
        roleId === this.publicRoleId ||
        (caller?.bindings.some(
          (binding) => binding.roleId === roleId && (binding.scope === null || binding.scope === scope),
        ) ??
          false)
      if (!applies) continue
      if (grant === true) return true
      levels.push(grant)
    }
    return broadestLevel(levels)
  }
}

/** A caller's effective grants: unscoped ones, and what each of its scopes adds. */
export interface CallerGrants {
  readonly grants: Record<string, Grant>
  readonly scoped: { readonly scope: string; readonly grants: Record<string, Grant> }[]
}

/**
 * Every grant `grantFor` would answer for the caller, permission by permission: the gate's
 * own decision, listed. A scope lists only what it changes (broader than unscoped).
 */
export function callerGrants(snapshot: AccessSnapshot, caller: CallerFacts | null): CallerGrants {
  const scopes = [...new Set(caller?.bindings.flatMap((binding) => (binding.scope ? [binding.scope] : [])))]
  const grants: Record<string, Grant> = {}
  const scoped = scopes.map((scope) => ({ scope, grants: {} as Record<string, Grant> }))
  for (const permission of [...snapshot.permissions()].sort()) {
    const unscoped = snapshot.grantFor(caller, permission)
    if (unscoped !== undefined) grants[permission] = unscoped
    for (const entry of scoped) {
      const within = snapshot.grantFor(caller, permission, entry.scope)
      if (within !== undefined && within !== unscoped) entry.grants[permission] = within
    }
  }
  return { grants, scoped: scoped.filter((entry) => Object.keys(entry.grants).length > 0) }
}

/** Reads the current access version and, if asked, every role grant as of then. */
export async function readAccessVersion(db: TrellisDatabase): Promise<string> {
  const { rows } = await sql<{
    version: string
  }>`select version::text as version from access_version`.execute(db)
  return rows[0]!.version
}

export async function loadAccessSnapshot(db: TrellisDatabase, version: string): Promise<AccessSnapshot> {
  const rows = await db
    .selectFrom('role_grants')
    .innerJoin('roles', 'roles.id', 'role_grants.role_id')
    .select(['roles.id', 'roles.name', 'role_grants.permission', 'role_grants.level'])
    .execute()
  const byPermission = new Map<string, RoleGrant[]>()
  let publicRoleId: string | undefined
  for (const row of rows) {
    if (row.name === PUBLIC_ROLE) publicRoleId = row.id
    const grants = byPermission.get(row.permission) ?? []
    grants.push({ roleId: row.id, grant: row.level === null ? true : row.level })
    byPermission.set(row.permission, grants)
  }
  if (publicRoleId === undefined) {
    const publicRole = await db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', PUBLIC_ROLE)
      .executeTakeFirst()
    publicRoleId = publicRole?.id
  }
  return new AccessSnapshot(version, byPermission, publicRoleId)
}
