import type { GrantablePermission } from '@trellis/api'

/**
 * A permission name as the SDK types it: one the router declares (a misspelling does not
 * compile), or an entity type's made with `entityTypePermission(type, action)`.
 */
export type Permission = GrantablePermission
