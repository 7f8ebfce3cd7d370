import { randomUUID } from 'node:crypto'
import { type Grant, type PolicyFilter, policyScope } from '@trellis/core'
import { bindRole, createRole, type PolicyLegalContext, type TrellisDatabase } from '@trellis/db'
import { entityTypeIdOf } from '../testing/entity-type-id.js'

// Test support: policies written straight to their tables, and consumers bound to them,
// for the read path's tests (the policies router saves them for clients).

/** One entity type of a test policy's segment. */
export interface TestPolicyType {
  readonly entityType: string
  readonly filter?: PolicyFilter | null
  readonly masks?: readonly string[]
}

export interface TestPolicy {
  readonly name: string
  readonly enabled?: boolean
  readonly legal?: PolicyLegalContext
  readonly quota?: { readonly calls: number; readonly period: 'day' | 'week' | 'month' }
  readonly ratePerSecond?: number
  readonly types: readonly TestPolicyType[]
}

/** Stores a policy and its segment; returns its id. */
export async function insertPolicy(db: TrellisDatabase, policy: TestPolicy): Promise<string> {
  const { id } = await db
    .insertInto('policies')
    .values({
      name: policy.name,
      enabled: policy.enabled ?? true,
      legal: JSON.stringify(policy.legal ?? {}),
      quota_calls: policy.quota?.calls ?? null,
      quota_period: policy.quota?.period ?? null,
      rate_per_second: policy.ratePerSecond ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await replacePolicyTypes(db, id, policy.types)
  return id
}

/** Replaces the segment of the policy `policyId`. */
export async function replacePolicyTypes(
  db: TrellisDatabase,
  policyId: string,
  types: readonly TestPolicyType[],
): Promise<void> {
  await db.deleteFrom('policy_types').where('policy_id', '=', policyId).execute()
  for (const type of types) {
    await db
      .insertInto('policy_types')
      .values({
        policy_id: policyId,
        entity_type_id: await entityTypeIdOf(db, type.entityType),
        filter: type.filter ? JSON.stringify(type.filter) : null,
        masks: [...(type.masks ?? [])],
      })
      .execute()
  }
}

/** Gives `userId` these grants through a role of its own bound with scope `policy:<policyName>`. */
export async function grantThroughPolicy(
  db: TrellisDatabase,
  userId: string,
  policyName: string,
  grants: Record<string, Grant>,
): Promise<void> {
  const roleId = await createRole(db, `consumer-${randomUUID().slice(0, 8)}`, { grants })
  if (!roleId) throw new Error('A test role name was taken twice')
  await bindRole(db, { userId, roleId, scope: policyScope(policyName) })
}
