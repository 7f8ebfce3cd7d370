import { entityTypeOfScope, policyOfScope } from '@trellis/core'
import { findEntityType, type TrellisDatabase } from '@trellis/db'
import type { TRPCError } from '@trpc/server'
import { entityTypeNotFound } from '../entity-types/entity-type-errors.js'
import { policyNotFound } from '../policies/policy-errors.js'
import { lockPolicy } from '../policies/policy-writes.js'
import type { BindingScope } from './permission-input.js'

/** What a binding's scope names: an entity type or a policy, by name. */
export type ScopeTarget = { readonly kind: 'entityType' | 'policy'; readonly name: string }

export function scopeTarget(scope: BindingScope): ScopeTarget {
  const policy = policyOfScope(scope)
  if (policy !== undefined) return { kind: 'policy', name: policy }
  return { kind: 'entityType', name: entityTypeOfScope(scope as `entityType:${string}`) }
}

/**
 * Whether the entity type or policy a scope names exists, locking it (FOR SHARE) until the
 * transaction ends: deleting it (which removes the bindings scoped to it) waits for the
 * binding being made, or went first and this says false.
 */
export async function lockScopeTarget(db: TrellisDatabase, scope: BindingScope): Promise<boolean> {
  const target = scopeTarget(scope)
  if (target.kind === 'policy') return (await lockPolicy(db, target.name, { forShare: true })) !== undefined
  return (await findEntityType(db, target.name, { forShare: true })) !== undefined
}

/** NOT_FOUND for the entity type or policy a scope names, as a lookup of it would say. */
export function scopeTargetNotFound(scope: BindingScope): TRPCError {
  const target = scopeTarget(scope)
  return target.kind === 'policy' ? policyNotFound(target.name) : entityTypeNotFound(target.name)
}
