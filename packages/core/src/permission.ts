import type { Grant } from './role.js'

/**
 * A permission is named `resource.action` (docs/model.md §3), for example `users.read`.
 * Boolean permissions are allowed or not; leveled ones are allowed at a level.
 */
export type PermissionName = `${string}.${string}`

/**
 * A permission of an entity type defined at run time (`cars.read`, `payments.start`), made
 * with `entityTypePermission`. Branded: a plain string literal where a permission is typed
 * must be one the router declares, so `'users.raed'` is a type error, while a name only the
 * server knows is written out as what it is.
 */
export type EntityTypePermissionName = PermissionName & { readonly __entityTypePermission: true }

/**
 * Names the permission `action` of the entity type `entityType`, for typed inputs.
 *
 * @example
 * trellis.roles.setGrant.mutate({ role: 'clerk', permission: entityTypePermission('cars', 'read'), grant: 'OWNED' })
 */
export function entityTypePermission(entityType: string, action: string): EntityTypePermissionName {
  return `${entityType}.${action}` as EntityTypePermissionName
}

/**
 * Grants of entity types' permissions, to spread into a role's typed grants (the
 * router's own permissions are checked by name and kind, these only by the server).
 *
 * @example
 * trellis.roles.create.mutate({ name: 'clerk', grants: { 'users.read': 'SELF', ...entityTypeGrants({ 'cars.read': 'OWNED' }) } })
 */
export function entityTypeGrants(grants: {
  readonly [permission: PermissionName]: Grant
}): Record<never, never> {
  return grants
}

export type PermissionKind = 'boolean' | 'leveled'

export interface PermissionDeclaration<TName extends string = PermissionName> {
  readonly name: TName
  readonly kind: PermissionKind
}

const PERMISSION_PATTERN = /^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/

/** Whether a string has the `resource.action` shape, both parts camelCase. */
export function isPermissionName(value: string): value is PermissionName {
  return PERMISSION_PATTERN.test(value)
}
