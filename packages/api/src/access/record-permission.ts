import { entityTypeScope, MANAGE_PARTIES_ACTION, RECORD_ACTIONS } from '@trellis/core'
import { isAppPermission } from '../permissions.js'

/** How a permission of an entity type (`shares.read`, `charges.execute`) is also granted. */
export interface EntityTypePermissionParts {
  readonly entityType: string
  /** The permission that covers it for every type: `records.read`, `records.manageParties`, or `records.transition`. */
  readonly generic: string
  /** The binding scope that limits a role to this type. */
  readonly scope: string
}

/**
 * For a permission the router does not declare, read as `<entityType>.<action>`: the
 * generic records permission and scope that also grant it. Undefined for the router's own.
 */
export function entityTypePermissionParts(permission: string): EntityTypePermissionParts | undefined {
  if (isAppPermission(permission)) return undefined
  const dot = permission.indexOf('.')
  if (dot <= 0) return undefined
  const entityType = permission.slice(0, dot)
  const action = permission.slice(dot + 1)
  const generic = [...RECORD_ACTIONS, MANAGE_PARTIES_ACTION].includes(action) ? action : 'transition'
  return { entityType, generic: `records.${generic}`, scope: entityTypeScope(entityType) }
}
