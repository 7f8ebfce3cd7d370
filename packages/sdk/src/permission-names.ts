import type { EntityTypePermissionName, EntityTypeScope, Grant, PermissionName } from '@trellis/core'

// The same helpers as @trellis/core's, written here so the SDK's JavaScript imports no
// Trellis package (only its types cross).

/**
 * Names a permission of an entity type defined at run time, where a permission is typed:
 * a plain literal must be a permission the router declares (`'users.raed'` does not compile).
 *
 * @example
 * await trellis.roles.setGrant.mutate({ role: 'clerk', permission: entityTypePermission('cars', 'read'), grant: 'OWNED' })
 */
export function entityTypePermission(entityType: string, action: string): EntityTypePermissionName {
  return `${entityType}.${action}` as EntityTypePermissionName
}

/**
 * Grants of entity types' permissions, to spread into a role's typed grants.
 *
 * @example
 * await trellis.roles.create.mutate({
 *   name: 'clerk',
 *   grants: { 'users.read': 'SELF', ...entityTypeGrants({ 'cars.read': 'OWNED' }) },
 * })
 */
export function entityTypeGrants(grants: {
  readonly [permission: PermissionName]: Grant
}): Record<never, never> {
  return grants
}

/** The scope of a binding limited to the records of one entity type: `entityType:cars`. */
export function entityTypeScope(entityType: string): EntityTypeScope {
  return `entityType:${entityType}`
}
