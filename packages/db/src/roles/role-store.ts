import type { Grant, Level, RoleDefinition, UserStatus } from '@trellis/core'
import { sql } from 'kysely'
import { toCount } from '../count.js'
import { type RowLock, withRowLock } from '../row-lock.js'
import type { TrellisDatabase } from '../schema/database.js'
import { withTransaction } from '../with-transaction.js'

// Roles, their grants (`role_grants`) and their bindings to users (`user_roles`): every
// query of those tables lives here, so the way a grant is stored is known in one place.

/** How `role_grants.level` stores a grant: `null` for a boolean grant, else its level. */
export function grantToColumn(grant: Grant): Level | null {
  return grant === true ? null : grant
}

/** The grant a `role_grants.level` stores (see `grantToColumn`). */
export function grantFromColumn(level: Level | null): Grant {
  return level ?? true
}

/** A role with its grants, shaped as a role definition so one check covers config and storage. */
export interface StoredRole {
  readonly name: string
  readonly description: string
  readonly protected: boolean
  readonly grants: Readonly<Record<string, Grant>>
}

/**
 * Roles with their grants, by name (grants by permission); all of them when `names` is omitted.
 *
 * @example
 * await loadRoles(db, ['admin']) // [{ name: 'admin', description: '…', protected: true, grants: { 'roles.read': true, … } }]
 */
export async function loadRoles(db: TrellisDatabase, names?: readonly string[]): Promise<StoredRole[]> {
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
  // A Map, not an object indexed by name: a role may be called `constructor`.
  const roles = new Map<string, StoredRole & { grants: Record<string, Grant> }>()
  for (const row of await query.execute()) {
    let role = roles.get(row.name)
    if (!role) {
      role = { name: row.name, description: row.description, protected: row.is_protected, grants: {} }
      roles.set(row.name, role)
    }
    if (row.permission) role.grants[row.permission] = grantFromColumn(row.level)
  }
  return [...roles.values()]
}

/** A role's row, as the checks that lock it need it. */
export interface RoleRow {
  readonly id: string
  readonly name: string
  readonly protected: boolean
}

/** One role by name, locked as `lock` says. */
export async function findRole(
  db: TrellisDatabase,
  name: string,
  lock: RowLock = {},
): Promise<RoleRow | undefined> {
  const query = db.selectFrom('roles').select(['id', 'is_protected']).where('name', '=', name)
  const row = await withRowLock(query, lock).executeTakeFirst()
  return row && { id: row.id, name, protected: row.is_protected }
}

/**
 * Stores a new role with its grants and returns its id; undefined when the name is taken.
 * One statement decides between two racing creates of one name (no check-then-insert).
 */
export async function createRole(
  db: TrellisDatabase,
  name: string,
  role: RoleDefinition,
): Promise<string | undefined> {
  return withTransaction(db, async (trx) => {
    const created = await trx
      .insertInto('roles')
      .values({ name, description: role.description ?? '', is_protected: role.protected ?? false })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!created) return undefined
    const grants = Object.entries(role.grants).flatMap(([permission, grant]) =>
      grant === undefined ? [] : [{ role_id: created.id, permission, level: grantToColumn(grant) }],
    )
    if (grants.length > 0) await trx.insertInto('role_grants').values(grants).execute()
    return created.id
  })
}

/** Sets a role's description; false when there is no role of that name. */
export async function updateRoleDescription(
  db: TrellisDatabase,
  name: string,
  description: string,
): Promise<boolean> {
  const updated = await db
    .updateTable('roles')
    .set({ description, updated_at: new Date() })
    .where('name', '=', name)
    .executeTakeFirst()
  return updated.numUpdatedRows > 0n
}

/** Deletes a role and its grants. Its bindings must be gone first (`countRoleHolders`). */
export async function deleteRole(db: TrellisDatabase, roleId: string): Promise<void> {
  await db.deleteFrom('roles').where('id', '=', roleId).execute()
}

/** How many bindings the role has. */
export async function countRoleHolders(db: TrellisDatabase, roleId: string): Promise<number> {
  const { holders } = await db
    .selectFrom('user_roles')
    .select((eb) => eb.fn.countAll().as('holders'))
    .where('role_id', '=', roleId)
    .executeTakeFirstOrThrow()
  return toCount(holders as string | number)
}

/** One role's grants, by permission. */
export async function grantsOfRole(db: TrellisDatabase, roleId: string): Promise<Map<string, Grant>> {
  const rows = await db
    .selectFrom('role_grants')
    .select(['permission', 'level'])
    .where('role_id', '=', roleId)
    .execute()
  return new Map(rows.map((row) => [row.permission, grantFromColumn(row.level)]))
}

/**
 * Sets a role's grant of one permission (`null` removes it) and marks the role changed.
 *
 * @example
 * await setRoleGrant(db, roleId, 'users.read', 'OWNED')
 * // insert into "role_grants" … on conflict ("role_id", "permission") do update set "level" = $4
 */
export async function setRoleGrant(
  db: TrellisDatabase,
  roleId: string,
  permission: string,
  grant: Grant | null,
): Promise<void> {
  if (grant === null) {
    await db
      .deleteFrom('role_grants')
      .where('role_id', '=', roleId)
      .where('permission', '=', permission)
      .execute()
  } else {
    const level = grantToColumn(grant)
    await db
      .insertInto('role_grants')
      .values({ role_id: roleId, permission, level })
      .onConflict((conflict) => conflict.columns(['role_id', 'permission']).doUpdateSet({ level }))
      .execute()
  }
  await db.updateTable('roles').set({ updated_at: new Date() }).where('id', '=', roleId).execute()
}

/** Removes every role's grants of these permissions (an entity type's, when they go away). */
export async function deleteGrantsOf(db: TrellisDatabase, permissions: readonly string[]): Promise<void> {
  if (permissions.length === 0) return
  await db
    .deleteFrom('role_grants')
    .where('permission', 'in', [...permissions])
    .execute()
}

/** Every grant of every role: what an access snapshot holds in memory. */
export async function loadRoleGrants(
  db: TrellisDatabase,
): Promise<{ roleId: string; roleName: string; permission: string; grant: Grant }[]> {
  const rows = await db
    .selectFrom('role_grants')
    .innerJoin('roles', 'roles.id', 'role_grants.role_id')
    .select(['roles.id', 'roles.name', 'role_grants.permission', 'role_grants.level'])
    .execute()
  return rows.map((row) => ({
    roleId: row.id,
    roleName: row.name,
    permission: row.permission,
    grant: grantFromColumn(row.level),
  }))
}

// Any key will do as long as only role grant changes use it (the user tree uses ...001).
const ROLE_GRANTS_LOCK_KEY = 7_310_245_002

/**
 * Serialises changes to role grants until the transaction ends. Each change is checked
 * against the grants its caller holds, which another change may be lowering: two callers
 * lowering each other's grant would each pass on what it read before the other wrote.
 * With the lock the second sees the first's result. Call first in the transaction.
 */
export async function lockRoleGrants(trx: TrellisDatabase): Promise<void> {
  await sql`select pg_advisory_xact_lock(${ROLE_GRANTS_LOCK_KEY})`.execute(trx)
}

/** A role bound to a user: everywhere (`scope` null) or within one scope (`entityType:cars`). */
export interface RoleBinding {
  readonly userId: string
  readonly roleId: string
  readonly scope: string | null
}

/** Binds a role to a user; binding it again with the same scope changes nothing. */
export async function bindRole(db: TrellisDatabase, binding: RoleBinding): Promise<void> {
  await db
    .insertInto('user_roles')
    .values({ user_id: binding.userId, role_id: binding.roleId, scope: binding.scope })
    .onConflict((conflict) => conflict.doNothing())
    .execute()
}

/** The id of the user's binding of the role named `roleName` with exactly this scope, if any. */
export async function findBinding(
  db: TrellisDatabase,
  binding: { readonly userId: string; readonly roleName: string; readonly scope: string | null },
): Promise<string | undefined> {
  const row = await db
    .selectFrom('user_roles')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select('user_roles.id')
    .where('user_roles.user_id', '=', binding.userId)
    .where('roles.name', '=', binding.roleName)
    .where((eb) =>
      binding.scope === null
        ? eb('user_roles.scope', 'is', null)
        : eb('user_roles.scope', '=', binding.scope),
    )
    .executeTakeFirst()
  return row?.id
}

/** Removes one binding (see `findBinding`). */
export async function unbindRole(db: TrellisDatabase, bindingId: string): Promise<void> {
  await db.deleteFrom('user_roles').where('id', '=', bindingId).execute()
}

/**
 * Removes every binding limited to `scope` (an entity type that goes away), pending ones
 * of invitations too; returns how many bindings users held.
 */
export async function unbindScope(db: TrellisDatabase, scope: string): Promise<number> {
  await db.deleteFrom('invitation_bindings').where('scope', '=', scope).execute()
  const { numDeletedRows } = await db.deleteFrom('user_roles').where('scope', '=', scope).executeTakeFirst()
  return Number(numDeletedRows)
}

/** The roles bound to a user, by role name. */
export async function rolesOfUser(
  db: TrellisDatabase,
  userId: string,
): Promise<{ role: string; protected: boolean; scope: string | null }[]> {
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select(['roles.name', 'roles.is_protected', 'user_roles.scope'])
    .where('user_roles.user_id', '=', userId)
    .orderBy('roles.name')
    .execute()
  return rows.map((row) => ({ role: row.name, protected: row.is_protected, scope: row.scope }))
}

/** A user's status and place with its role bindings, in one read; undefined when there is no such user. */
export async function findUserWithBindings(
  db: TrellisDatabase,
  userId: string,
): Promise<
  | { id: string; status: UserStatus; path: string; bindings: { roleId: string; scope: string | null }[] }
  | undefined
> {
  const rows = await db
    .selectFrom('users')
    .leftJoin('user_roles', 'user_roles.user_id', 'users.id')
    .select(['users.id', 'users.status', 'users.path', 'user_roles.role_id', 'user_roles.scope'])
    .where('users.id', '=', userId)
    .execute()
  const first = rows[0]
  if (!first) return undefined
  const bindings = rows.flatMap((row) => (row.role_id ? [{ roleId: row.role_id, scope: row.scope }] : []))
  return { id: first.id, status: first.status, path: first.path, bindings }
}

/**
 * The protected roles a change would leave with no active holder: removing `userId`
 * entirely (deactivate, delete), or only its binding `bindingId`. The protected roles
 * concerned are locked first, so two such changes racing on PostgreSQL run one after the
 * other and the second sees the first. Call inside the change's transaction.
 */
export async function protectedRolesLeftWithoutHolder(
  trx: TrellisDatabase,
  change: { readonly userId: string; readonly bindingId?: string },
): Promise<string[]> {
  let held = trx
    .selectFrom('user_roles')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select(['roles.id', 'roles.name'])
    .where('user_roles.user_id', '=', change.userId)
    .where('roles.is_protected', '=', true)
  if (change.bindingId) held = held.where('user_roles.id', '=', change.bindingId)
  const roles = await held.execute()
  if (roles.length === 0) return []
  await trx
    .selectFrom('roles')
    .select('id')
    .where(
      'id',
      'in',
      roles.map((role) => role.id),
    )
    .orderBy('id')
    .forUpdate()
    .execute()
  const orphaned: string[] = []
  for (const role of roles) {
    let others = trx
      .selectFrom('user_roles')
      .innerJoin('users', 'users.id', 'user_roles.user_id')
      .select('user_roles.id')
      .where('user_roles.role_id', '=', role.id)
      .where('users.status', '=', 'active')
    others = change.bindingId
      ? others.where('user_roles.id', '!=', change.bindingId)
      : others.where('user_roles.user_id', '!=', change.userId)
    if (!(await others.limit(1).executeTakeFirst())) orphaned.push(role.name)
  }
  return orphaned
}
