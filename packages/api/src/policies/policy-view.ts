import type { PolicyLegalContext, PolicyQuotaPeriod } from '@trellis/core'
import { type PolicyFilter, type PolicyScope, policyScope } from '@trellis/core'
import type { StoredPolicy } from '@trellis/db'

/** A policy as those who manage it see it (`policies.get`, `policies.list`). */
export interface PolicyView {
  readonly name: string
  readonly description: string
  readonly enabled: boolean
  /** The data segment: per entity type, its record filter (null: every record) and masked fields. */
  readonly types: {
    readonly [entityType: string]: { readonly filter: PolicyFilter | null; readonly masks: readonly string[] }
  }
  readonly quota: { readonly calls: number; readonly period: PolicyQuotaPeriod } | null
  readonly ratePerSecond: number | null
  readonly legal: PolicyLegalContext
  /** The scope of the bindings that grant it (`users.assignRole({ ..., scope })`). */
  readonly scope: PolicyScope
  readonly createdAt: string
  readonly updatedAt: string
}

export function toPolicyView(policy: StoredPolicy): PolicyView {
  return {
    name: policy.name,
    description: policy.description,
    enabled: policy.enabled,
    types: Object.fromEntries(
      policy.types.map((type) => [type.entityType, { filter: type.filter, masks: type.masks }]),
    ),
    quota: policy.quota,
    ratePerSecond: policy.ratePerSecond,
    legal: policy.legal,
    scope: policyScope(policy.name),
    createdAt: policy.createdAt.toISOString(),
    updatedAt: policy.updatedAt.toISOString(),
  }
}
