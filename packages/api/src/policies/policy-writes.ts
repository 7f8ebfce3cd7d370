import type { PolicyFilter, PolicyLegalContext, PolicyQuotaPeriod } from '@trellis/core'
import type { RowLock, TrellisDatabase } from '@trellis/db'

// Writes of policies: every statement that changes `policies` or `policy_types` lives here.
// Reads for calls through a policy are `loadPolicies` / `findPolicy` in @trellis/db.

/** A policy's terms as stored in its own row (its segment is `policy_types`). */
export interface PolicyTerms {
  readonly description: string
  readonly enabled: boolean
  readonly quota: { readonly calls: number; readonly period: PolicyQuotaPeriod } | null
  readonly ratePerSecond: number | null
  readonly legal: PolicyLegalContext
}

/** One entity type of a segment being saved, its type already found (and locked). */
export interface SegmentRow {
  readonly entityTypeId: string
  readonly filter: PolicyFilter | null
  readonly masks: readonly string[]
}

function termColumns(terms: PolicyTerms) {
  return {
    description: terms.description,
    enabled: terms.enabled,
    quota_calls: terms.quota?.calls ?? null,
    quota_period: terms.quota?.period ?? null,
    rate_per_second: terms.ratePerSecond,
    legal: JSON.stringify(terms.legal),
  }
}

/**
 * Stores a new policy's row; its id, or undefined when the name is taken. One statement
 * decides between two racing creates of one name.
 */
export async function insertPolicy(
  db: TrellisDatabase,
  name: string,
  terms: PolicyTerms,
): Promise<string | undefined> {
  const inserted = await db
    .insertInto('policies')
    .values({ name, ...termColumns(terms) })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .returning('id')
    .executeTakeFirst()
  return inserted?.id
}

/** Replaces a stored policy's terms (its name stays). */
export async function updatePolicyTerms(db: TrellisDatabase, id: string, terms: PolicyTerms): Promise<void> {
  await db
    .updateTable('policies')
    .set({ ...termColumns(terms), updated_at: new Date() })
    .where('id', '=', id)
    .execute()
}

/** Makes `segment` the policy's whole data segment. */
export async function replacePolicySegment(
  db: TrellisDatabase,
  policyId: string,
  segment: readonly SegmentRow[],
): Promise<void> {
  await db.deleteFrom('policy_types').where('policy_id', '=', policyId).execute()
  if (segment.length === 0) return
  await db
    .insertInto('policy_types')
    .values(
      segment.map((row) => ({
        policy_id: policyId,
        entity_type_id: row.entityTypeId,
        filter: row.filter === null ? null : JSON.stringify(row.filter),
        masks: [...row.masks],
      })),
    )
    .execute()
}

/** A policy's id by name, locked as `lock` says; undefined when there is none. */
export async function lockPolicy(
  db: TrellisDatabase,
  name: string,
  lock: RowLock,
): Promise<string | undefined> {
  let query = db.selectFrom('policies').select('id').where('name', '=', name)
  query = lock.forUpdate ? query.forUpdate() : lock.forShare ? query.forShare() : query
  return (await query.executeTakeFirst())?.id
}

/** Deletes a policy with its segment and its counters (cascaded). Its bindings must be gone first. */
export async function deletePolicy(db: TrellisDatabase, id: string): Promise<void> {
  await db.deleteFrom('policies').where('id', '=', id).execute()
}

/** The names of the policies whose segment covers an entity type, in name order. */
export async function policiesCovering(db: TrellisDatabase, entityTypeId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('policy_types')
    .innerJoin('policies', 'policies.id', 'policy_types.policy_id')
    .select('policies.name')
    .where('policy_types.entity_type_id', '=', entityTypeId)
    .orderBy('policies.name')
    .execute()
  return rows.map((row) => row.name)
}
