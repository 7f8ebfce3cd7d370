import { entityTypePermissions, type PermissionDeclaration, type PermissionKind } from '@trellis/core'
import { findEntityType, loadEntityTypes, type TrellisDatabase } from '@trellis/db'
import { isAppPermission, PERMISSIONS } from '../permissions.js'

/**
 * The kind of a permission that exists now: one the router declares, or one an entity
 * type declares (`shares.read`, `charges.execute`: always leveled). Undefined otherwise.
 */
export async function findPermissionKind(
  db: TrellisDatabase,
  permission: string,
): Promise<PermissionKind | undefined> {
  if (isAppPermission(permission)) return PERMISSIONS[permission]
  const [resource] = permission.split('.')
  const type = resource ? await findEntityType(db, resource) : undefined
  if (!type) return undefined
  return entityTypePermissions(type.name, type).some(({ name }) => name === permission)
    ? 'leveled'
    : undefined
}

/** The permissions the stored entity types declare. */
export async function storedEntityTypePermissions(
  db: TrellisDatabase,
): Promise<PermissionDeclaration<string>[]> {
  return (await loadEntityTypes(db)).flatMap((type) => entityTypePermissions(type.name, type))
}
