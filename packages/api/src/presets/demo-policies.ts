import type { PolicyFilter, PolicyLegalContext, PolicyQuotaPeriod } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'
import { resolvePolicySegment } from '../policies/policy-segment.js'
import { insertPolicy, replacePolicySegment } from '../policies/policy-writes.js'

/** A data-access policy of a demo world (docs/policies.md), made before the users bound to it. */
export interface DemoPolicy {
  readonly name: string
  readonly description: string
  /** The entity types it covers, each with its record filter and masked fields. */
  readonly types: Readonly<Record<string, { readonly filter?: PolicyFilter; readonly masks?: string[] }>>
  readonly quota?: { readonly calls: number; readonly period: PolicyQuotaPeriod }
  readonly ratePerSecond?: number
  readonly legal: PolicyLegalContext
}

/**
 * Saves a demo world's policies as `policies.create` does. The demo is fixed but a preset's
 * schemas may change under it: a filter or mask its type no longer allows fails the start,
 * naming the field.
 */
export async function createDemoPolicies(
  trx: TrellisDatabase,
  policies: readonly DemoPolicy[],
): Promise<void> {
  for (const policy of policies) {
    const segment = await resolvePolicySegment(trx, policy.name, policy.types)
    const id = await insertPolicy(trx, policy.name, {
      description: policy.description,
      enabled: true,
      quota: policy.quota ?? null,
      ratePerSecond: policy.ratePerSecond ?? null,
      legal: policy.legal,
    })
    if (!id) throw new Error(`Demo world: a policy named ${policy.name} exists already`)
    await replacePolicySegment(trx, id, segment)
  }
}
