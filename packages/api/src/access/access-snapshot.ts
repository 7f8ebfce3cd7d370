import { type Grant, levelIncludes, PUBLIC_ROLE, policyScope, type UserStatus } from '@trellis/core'
import {
  findRole,
  findUserWithBindings,
  loadEntityTypes,
  loadRoleGrants,
  type StoredEntityType,
  type TrellisDatabase,
} from '@trellis/db'
import { sql } from 'kysely'
import { entityTypePermissionParts } from './record-permission.js'

const MAX_CACHED_CALLERS = 50_000

/** One role's grant of a permission. */
interface RoleGrant {
  readonly roleId: string
  readonly role: string
  readonly grant: Grant
}

/** What the decision needs to know of a caller. */
export interface CallerFacts {
  readonly id: string
  readonly status: UserStatus
  readonly path: string
  readonly bindings: readonly { readonly roleId: string; readonly scope: string | null }[]
}

/** One grant that counts toward a decision, and where it comes from. */
export interface GrantSource {
  readonly role: string
  /** The permission granted: the one asked for, or the generic records one that covers it. */
  readonly permission: string
  readonly grant: Grant
  /** The scope of the binding it comes through; null for an unscoped binding or the `public` role. */
  readonly scope: string | null
}

/** A decision and every grant that took part in it. */
export interface Explanation {
  /** `true` for a boolean grant, the broadest level otherwise; undefined when nothing grants it. */
  readonly grant: Grant | undefined
  readonly sources: readonly GrantSource[]
}

/**
 * Roles and grants as of one `access_version`, with callers loaded on demand: everything
 * an access decision reads, in memory. The one engine that decides access.
 */
export class AccessSnapshot {
  readonly #callers = new Map<string, CallerFacts>()
  #entityTypes: Promise<StoredEntityType[]> | undefined

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
    const facts = (await findUserWithBindings(db, userId)) ?? null
    if (facts) {
      // Bounded: past this many callers in one version, start over rather than grow.
      if (this.#callers.size >= MAX_CACHED_CALLERS) this.#callers.clear()
      this.#callers.set(userId, facts)
    }
    return facts
  }

  /**
   * Every entity type, by name: loaded once for this version (a change to them moves it).
   * Inside a transaction, read there: it may hold the transaction's own changes.
   */
  entityTypes(db: TrellisDatabase): Promise<StoredEntityType[]> {
    if (db.isTransaction) return loadEntityTypes(db)
    if (!this.#entityTypes) {
      const load = loadEntityTypes(db)
      this.#entityTypes = load
      // A failed load is not kept: the next call tries again.
      load.catch(() => {
        if (this.#entityTypes === load) this.#entityTypes = undefined
      })
    }
    return this.#entityTypes
  }

  /** What one role grants, permission by permission. */
  roleGrants(roleId: string): { permission: string; grant: Grant }[] {
    const grants: { permission: string; grant: Grant }[] = []
    for (const [permission, roleGrants] of this.grantsByPermission) {
      for (const entry of roleGrants)
        if (entry.roleId === roleId) grants.push({ permission, grant: entry.grant })
    }
    return grants
  }

  /** Every permission some role grants. */
  permissions(): Iterable<string> {
    return this.grantsByPermission.keys()
  }

  /**
   * The decision, with its sources: the `public` role's grant plus those of the caller's
   * bindings that apply (unscoped, or scoped to `scope`); `true` wins, levels combine to
   * the broadest. An entity type's permission (`shares.read`) is also granted by the
   * generic records one (`records.read`), and the bindings that apply are those scoped to
   * its own type, whatever `scope` says (docs/model.md §5), and, for a read through
   * `policy`, those scoped to that policy (docs/policies.md): never another policy's.
   */
  explain(
    caller: CallerFacts | null,
    permission: string,
    scope: string | null = null,
    policy: string | null = null,
  ): Explanation {
    const sources: GrantSource[] = []
    let grant: Grant | undefined
    this.#eachApplying(caller, permission, scope, policy, (source) => {
      sources.push(source)
      grant = combine(grant, source.grant)
    })
    return { grant, sources }
  }

  /** `explain(...).grant`, without listing the sources: what the gate asks on every call. */
  decide(
    caller: CallerFacts | null,
    permission: string,
    scope: string | null = null,
    policy: string | null = null,
  ): Grant | undefined {
    let grant: Grant | undefined
    this.#eachApplying(caller, permission, scope, policy, (source) => {
      grant = combine(grant, source.grant)
    })
    return grant
  }

  /** Calls `visit` with every grant that applies: the rule, written once. */
  #eachApplying(
    caller: CallerFacts | null,
    permission: string,
    scope: string | null,
    policy: string | null,
    visit: (source: GrantSource) => void,
  ): void {
    const parts = entityTypePermissionParts(permission)
    if (parts) {
      // One set of scopes, so an unscoped binding is visited once however many scopes apply.
      const scopes = new Set([parts.scope, ...(policy === null ? [] : [policyScope(policy)])])
      this.#eachBound(caller, permission, scopes, visit)
      this.#eachBound(caller, parts.generic, scopes, visit)
    } else {
      this.#eachBound(caller, permission, new Set(scope === null ? [] : [scope]), visit)
    }
  }

  #eachBound(
    caller: CallerFacts | null,
    permission: string,
    scopes: ReadonlySet<string>,
    visit: (source: GrantSource) => void,
  ): void {
    for (const { roleId, role, grant } of this.grantsByPermission.get(permission) ?? []) {
      if (roleId === this.publicRoleId) {
        visit({ role, permission, grant, scope: null })
        continue
      }
      for (const binding of caller?.bindings ?? []) {
        if (binding.roleId !== roleId) continue
        if (binding.scope === null || scopes.has(binding.scope))
          visit({ role, permission, grant, scope: binding.scope })
      }
    }
  }

  /** Whether the caller holds a binding scoped to `scope` (`policy:partnerFeed`), whatever its role grants. */
  holdsBindingScoped(caller: CallerFacts | null, scope: string): boolean {
    return caller?.bindings.some((binding) => binding.scope === scope) ?? false
  }
}

/** Two grants combined: a boolean grant anywhere is `true`; levels combine to the broadest. */
function combine(held: Grant | undefined, next: Grant): Grant {
  if (held === undefined || next === true) return next
  if (held === true) return true
  return levelIncludes(held, next) ? held : next
}

/** A caller's effective grants: unscoped ones, and what each of its scopes adds. */
export interface CallerGrants {
  readonly grants: Record<string, Grant>
  readonly scoped: { readonly scope: string; readonly grants: Record<string, Grant> }[]
}

/**
 * Every grant the gate would decide for the caller, permission by permission: its own
 * decision, listed. A scope lists only what it changes (broader than unscoped). An entity
 * type's permissions (`cars.read`) are listed as the records gate decides them, granted by
 * the generic `records.*` too, when given: no role need name them.
 */
export function callerGrants(
  snapshot: AccessSnapshot,
  caller: CallerFacts | null,
  entityTypePermissions: Iterable<string> = [],
): CallerGrants {
  const scopes = [...new Set(caller?.bindings.flatMap((binding) => (binding.scope ? [binding.scope] : [])))]
  const grants: Record<string, Grant> = {}
  const scoped = scopes.map((scope) => ({ scope, grants: {} as Record<string, Grant> }))
  for (const permission of [...new Set([...snapshot.permissions(), ...entityTypePermissions])].sort()) {
    const unscoped = snapshot.decide(caller, permission)
    if (unscoped !== undefined) grants[permission] = unscoped
    for (const entry of scoped) {
      const within = snapshot.decide(caller, permission, entry.scope)
      if (within !== undefined && within !== unscoped) entry.grants[permission] = within
    }
  }
  return { grants, scoped: scoped.filter((entry) => Object.keys(entry.grants).length > 0) }
}

/** Reads the current access version. */
export async function readAccessVersion(db: TrellisDatabase): Promise<string> {
  const { rows } = await sql<{
    version: string
  }>`select version::text as version from access_version`.execute(db)
  return rows[0]!.version
}

/**
 * The current access version as a column of another query (the caller lookup), so a call
 * learns it without a statement of its own. Read in the same statement, it is as fresh
 * as that query's rows.
 */
export function accessVersionColumn() {
  return sql<string>`(select version::text from access_version)`.as('access_version')
}

/** Every role grant as the database holds it now, filed under `version`. */
export async function loadAccessSnapshot(db: TrellisDatabase, version: string): Promise<AccessSnapshot> {
  const byPermission = new Map<string, RoleGrant[]>()
  let publicRoleId: string | undefined
  for (const { roleId, roleName, permission, grant } of await loadRoleGrants(db)) {
    if (roleName === PUBLIC_ROLE) publicRoleId = roleId
    const grants = byPermission.get(permission) ?? []
    grants.push({ roleId, role: roleName, grant })
    byPermission.set(permission, grants)
  }
  // A public role that grants nothing yet still exists for bindings to name.
  publicRoleId ??= (await findRole(db, PUBLIC_ROLE))?.id
  return new AccessSnapshot(version, byPermission, publicRoleId)
}

/**
 * A snapshot read inside `trx` and kept out of the shared cache: for checks that must see
 * the transaction's own view (its locks held), which may include its uncommitted writes.
 */
export async function loadSnapshotWithin(trx: TrellisDatabase): Promise<AccessSnapshot> {
  return loadAccessSnapshot(trx, await readAccessVersion(trx))
}
