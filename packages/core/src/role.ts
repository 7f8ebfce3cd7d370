import type { Level } from './level.js'

/** The role every caller holds, anonymous ones included; other roles add to it. */
export const PUBLIC_ROLE = 'public'

/** `true` grants a boolean permission; a level grants a leveled one at that level. */
export type Grant = true | Level

export type Grants<TPermission extends string = string> = {
  readonly [P in TPermission]?: Grant
}

export interface RoleDefinition<TPermission extends string = string> {
  readonly description?: string
  /** The system refuses any change that would leave a protected role with no active holder. */
  readonly protected?: boolean
  readonly grants: Grants<TPermission>
}

export type RolesConfig<TPermission extends string = string> = {
  readonly [roleName: string]: RoleDefinition<TPermission>
}

/**
 * Declares the initial roles. Bind `TPermission` to the union of permissions your
 * router declares, and a misspelt permission becomes a type error.
 *
 * @example
 * const roles = defineRoles<'shops.read' | 'charges.start'>({
 *   public: { grants: { 'shops.read': 'ALL' } },
 *   consumer: { grants: { 'charges.start': 'SELF' } },
 * })
 */
export function defineRoles<TPermission extends string>(
  roles: RolesConfig<TPermission>,
): RolesConfig<TPermission> {
  return roles
}
