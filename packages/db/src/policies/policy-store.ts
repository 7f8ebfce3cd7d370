import type { PolicyFilter, PolicyLegalContext, PolicyQuotaPeriod } from '@trellis/core'
import type { TrellisDatabase } from '../schema/database.js'

export type { PolicyLegalContext }

// Policies as stored: the reads every call through a policy makes live here.

/** One entity type of a policy's data segment. */
export interface StoredPolicyType {
  readonly entityTypeId: string
  readonly entityType: string
  /** Null: every record of the type (within the reader's level). */
  readonly filter: PolicyFilter | null
  readonly masks: readonly string[]
}

/** A policy as stored, with its data segment. */
export interface StoredPolicy {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly enabled: boolean
  readonly quota: { readonly calls: number; readonly period: PolicyQuotaPeriod } | null
  readonly ratePerSecond: number | null
  readonly legal: PolicyLegalContext
  /** The entity types it covers, by name. */
  readonly types: readonly StoredPolicyType[]
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** Policies by name (all when `names` is omitted), each with its data segment, in name order. */
export async function loadPolicies(db: TrellisDatabase, names?: readonly string[]): Promise<StoredPolicy[]> {
  if (names?.length === 0) return []
  let query = db.selectFrom('policies').selectAll('policies').orderBy('policies.name')
  if (names) query = query.where('policies.name', 'in', [...names])
  const rows = await query.execute()
  if (rows.length === 0) return []
  const typeRows = await db
    .selectFrom('policy_types')
    .innerJoin('entity_types', 'entity_types.id', 'policy_types.entity_type_id')
    .select([
      'policy_types.policy_id',
      'policy_types.entity_type_id',
      'entity_types.name',
      'policy_types.filter',
      'policy_types.masks',
    ])
    .where(
      'policy_types.policy_id',
      'in',
      rows.map((row) => row.id),
    )
    .orderBy('entity_types.name')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    quota:
      row.quota_calls !== null && row.quota_period !== null
        ? { calls: row.quota_calls, period: row.quota_period }
        : null,
    ratePerSecond: row.rate_per_second,
    legal: row.legal as PolicyLegalContext,
    types: typeRows
      .filter((type) => type.policy_id === row.id)
      .map((type) => ({
        entityTypeId: type.entity_type_id,
        entityType: type.name,
        filter: (type.filter ?? null) as PolicyFilter | null,
        masks: type.masks,
      })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }))
}

/** One policy by name, as it is now: every call through a policy reads it afresh. */
export async function findPolicy(db: TrellisDatabase, name: string): Promise<StoredPolicy | undefined> {
  return (await loadPolicies(db, [name]))[0]
}
