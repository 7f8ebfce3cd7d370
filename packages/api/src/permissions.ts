import type {
  EntityTypePermission,
  EntityTypePermissionName,
  EntityTypesConfig,
  Level,
  RoleDefinition,
  RolesConfig,
} from '@trellis/core'
import { defineRoles as defineAnyRoles } from '@trellis/core'

/**
 * Every permission the API declares, with its kind. Procedure builders accept only these
 * names, and a test checks that this list and the router's procedures agree exactly, so
 * the union below is the router's own list of permissions.
 */
export const PERMISSIONS = {
  'system.info': 'boolean',
  'system.ping': 'boolean',
  'system.metrics': 'boolean',
  'auth.login': 'boolean',
  'auth.logout': 'boolean',
  'auth.logoutEverywhere': 'boolean',
  'auth.me': 'boolean',
  'auth.changePassword': 'boolean',
  'auth.requestPasswordReset': 'boolean',
  'auth.resetPassword': 'boolean',
  'invitations.accept': 'boolean',
  'invitations.create': 'leveled',
  'invitations.read': 'leveled',
  'invitations.revoke': 'leveled',
  'apiKeys.create': 'leveled',
  'apiKeys.read': 'leveled',
  'apiKeys.revoke': 'leveled',
  'users.create': 'leveled',
  'users.read': 'leveled',
  'users.update': 'leveled',
  'users.move': 'leveled',
  'users.delete': 'leveled',
  'users.deactivate': 'leveled',
  'users.reactivate': 'leveled',
  // Service accounts (users of kind service) only: create, rename, delete.
  'users.manageServices': 'leveled',
  'audit.read': 'leveled',
  'users.assignRole': 'leveled',
  'users.unassignRole': 'leveled',
  'roles.read': 'boolean',
  'roles.create': 'boolean',
  'roles.update': 'boolean',
  'roles.delete': 'boolean',
  'access.explain': 'leveled',
  'access.mine': 'boolean',
  'entityTypes.read': 'boolean',
  'entityTypes.create': 'boolean',
  'entityTypes.update': 'boolean',
  'entityTypes.delete': 'boolean',
  // Data-access policies (docs/policies.md): defining them; consumers hold them as scopes.
  'policies.read': 'boolean',
  'policies.create': 'boolean',
  'policies.update': 'boolean',
  'policies.delete': 'boolean',
  // A consumer's own policies and counters (docs/policies.md, "Quotas and rates").
  'policies.mine': 'boolean',
  // Outgoing webhooks (docs/webhooks.md): registering subscribers and reading their deliveries.
  'webhookSubscribers.manage': 'boolean',
  // Records of every entity type; each type adds its own `<type>.<action>` permissions.
  'records.read': 'leveled',
  'records.create': 'leveled',
  'records.update': 'leveled',
  'records.delete': 'leveled',
  'records.transition': 'leveled',
  'records.manageParties': 'leveled',
} as const satisfies Record<string, 'boolean' | 'leveled'>

export type AppPermission = keyof typeof PERMISSIONS

/** Whether the router declares `name`: an own key only, so `constructor` or `__proto__` is not one. */
export function isAppPermission(name: string): name is AppPermission {
  return Object.hasOwn(PERMISSIONS, name)
}

/**
 * What a grant, a binding or a question may name: a permission the router declares, or an
 * entity type's made with `entityTypePermission(type, action)` (its types live in the
 * database, so only the server can check those).
 */
export type GrantablePermission = AppPermission | EntityTypePermissionName

export type BooleanPermission = {
  [P in AppPermission]: (typeof PERMISSIONS)[P] extends 'boolean' ? P : never
}[AppPermission]

export type LeveledPermission = Exclude<AppPermission, BooleanPermission>

/**
 * Grants as the API types them: `true` for a boolean permission, a level for a leveled one.
 * `TExtra` adds the leveled permissions of entity types declared in code.
 */
export type AppGrants<TExtra extends string = never> = { readonly [P in BooleanPermission]?: true } & {
  readonly [P in LeveledPermission | TExtra]?: Level
}

export interface AppRoleDefinition<TExtra extends string = never>
  extends Omit<RoleDefinition<AppPermission>, 'grants'> {
  readonly grants: AppGrants<TExtra>
}

/**
 * Declares the initial roles of a Trellis server. A misspelt permission, or a level on a
 * boolean permission, is a type error. Pass the entity types the server starts with to
 * grant their permissions too.
 *
 * @example
 * const roles = defineRoles({
 *   public: { grants: { 'auth.login': true } },
 *   admin: { protected: true, grants: { 'users.read': 'ALL' } },
 * })
 * const types = defineEntityTypes({ shops: { schema: { type: 'object' } } })
 * const withShops = defineRoles(types, { public: { grants: { 'shops.read': 'ALL' } } })
 */
export function defineRoles(roles: RolesOf<never>): RolesConfig<AppPermission>
export function defineRoles<const T extends EntityTypesConfig>(
  entityTypes: T,
  roles: RolesOf<EntityTypePermission<T>>,
): RolesConfig<AppPermission | EntityTypePermission<T>>
export function defineRoles(
  first: RolesOf<string> | EntityTypesConfig,
  second?: RolesOf<string>,
): RolesConfig<string> {
  return defineAnyRoles<string>((second ?? first) as RolesOf<string>)
}

type RolesOf<TExtra extends string> = { readonly [roleName: string]: AppRoleDefinition<TExtra> }
