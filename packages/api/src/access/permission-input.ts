import {
  ENTITY_TYPE_SCOPE_PATTERN,
  type EntityTypeScope,
  LEVELS,
  POLICY_SCOPE_PATTERN,
  type PolicyScope,
} from '@trellis/core'
import { z } from 'zod'
import { keyedRecord } from '../inputs/keyed-record.js'
import { text } from '../inputs/text.js'
import type { AppGrants, GrantablePermission } from '../permissions.js'

// The schemas below check at run time what their (narrower) input types check in a client's
// compiler: a misspelt permission is a type error for SDK users and BAD_REQUEST for others.

/** A permission name: declared by the router, or an entity type's (`entityTypePermission`). */
export const PermissionInput = text().min(3).max(100) as unknown as z.ZodType<
  GrantablePermission,
  GrantablePermission
>

export const GrantInput = z.union([z.literal(true), z.enum(LEVELS)])

/**
 * A role's grants by permission. Typed as the router's permissions (`true` for a boolean
 * one, a level for a leveled one); an entity type's are added with `entityTypeGrants`.
 */
export const GrantsInput = keyedRecord(GrantInput) as unknown as z.ZodType<
  Record<string, z.output<typeof GrantInput>>,
  AppGrants
>

/**
 * What a scoped binding applies to: the records of one entity type (`entityType:cars`), or
 * reads made through one policy (`policy:partnerFeed`).
 */
export type BindingScope = EntityTypeScope | PolicyScope

export const ScopeInput = z
  .string()
  .refine(
    (scope) => ENTITY_TYPE_SCOPE_PATTERN.test(scope) || POLICY_SCOPE_PATTERN.test(scope),
    'A scope is entityType:<name> or policy:<name>',
  ) as unknown as z.ZodType<BindingScope, BindingScope>
