import { type Grant, levelIncludes } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'
import { TrellisError } from '../errors/trellis-error.js'
import { permissionRequired } from './access-errors.js'
import { effectiveGrant } from './effective-grant.js'

/** Refuses (FORBIDDEN) to grant a permission at a level the caller does not itself hold. */
export async function assertHoldsGrant(
  db: TrellisDatabase,
  callerId: string,
  permission: string,
  grant: Grant,
): Promise<void> {
  const held = await effectiveGrant(db, callerId, permission)
  const enough =
    grant === true ? held === true : held !== undefined && held !== true && levelIncludes(held, grant)
  if (!enough) throw permissionRequired(permission, grant === true ? undefined : grant)
}

/**
 * Refuses (FORBIDDEN, naming the first permission missing) to hand out a role whose
 * grants the caller does not itself hold at least at the same level: nobody can give
 * more than they have (docs/model.md §3).
 */
export async function assertHoldsRole(
  db: TrellisDatabase,
  callerId: string,
  roleId: string,
  scope: string | null = null,
): Promise<void> {
  const grants = await db
    .selectFrom('role_grants')
    .select(['permission', 'level'])
    .where('role_id', '=', roleId)
    .execute()
  for (const { permission, level } of grants) {
    // A binding scoped to a type hands out its grants only there: held there is enough.
    const held = await effectiveGrant(db, callerId, permission, scope)
    const enough =
      level === null ? held === true : held !== undefined && held !== true && levelIncludes(held, level)
    if (!enough) throw permissionRequired(permission, level ?? undefined)
  }
}

/**
 * The id of the role named `name`, which the caller may hand out (within `scope`, for a
 * scoped binding): NOT_FOUND when there is no such role, FORBIDDEN when the caller does
 * not hold all of it. The role's row stays locked (FOR SHARE) until the transaction ends,
 * so a racing `roles.delete` or `roles.setGrant` runs wholly before or after the binding.
 */
export async function findAssignableRole(
  db: TrellisDatabase,
  callerId: string,
  name: string,
  scope: string | null = null,
): Promise<string> {
  const role = await db
    .selectFrom('roles')
    .select('id')
    .where('name', '=', name)
    .forShare()
    .executeTakeFirst()
  if (!role)
    throw new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: `Role not found: ${name}` })
  await assertHoldsRole(db, callerId, role.id, scope)
  return role.id
}
