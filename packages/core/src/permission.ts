/**
 * A permission is named `resource.action` (MODEL.md §3), for example `users.read`.
 * Boolean permissions are allowed or not; leveled ones are allowed at a level.
 */
export type PermissionName = `${string}.${string}`

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
