import { randomUUID } from 'node:crypto'
import type { PolicyLegalContext } from '@trellis/core'
import { type Grant, type PolicyFilter, policyScope } from '@trellis/core'
import { createRole } from '@trellis/db'
import type { ApiHarness } from '../testing/api-harness.js'

// Test support for the read path: policies saved and consumers bound to them through the
// API, as an administrator does it.

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
  readonly types: readonly TestPolicyType[]
}

/** The segment as `policies.create` and `policies.update` take it: by type name. */
export function policyTypes(types: readonly TestPolicyType[]) {
  return Object.fromEntries(
    types.map(({ entityType, filter, masks }) => [
      entityType,
      { ...(filter ? { filter } : {}), masks: [...(masks ?? [])] },
    ]),
  )
}

/** Saves a policy through `policies.create`, as the administrator. */
export async function createPolicy(h: ApiHarness, policy: TestPolicy): Promise<void> {
  await h.callAs(h.adminId).policies.create({
    name: policy.name,
    enabled: policy.enabled ?? true,
    legal: { ...policy.legal, notes: policy.legal?.notes?.map((note) => ({ ...note })) },
    types: policyTypes(policy.types),
  })
}

/**
 * Gives `userId` these grants through a role of its own, assigned by the administrator with
 * scope `policy:<policyName>` (`users.assignRole`).
 */
export async function grantThroughPolicy(
  h: ApiHarness,
  userId: string,
  policyName: string,
  grants: Record<string, Grant>,
): Promise<void> {
  const role = `consumer-${randomUUID().slice(0, 8)}`
  if (!(await createRole(h.database.db, role, { grants })))
    throw new Error('A test role name was taken twice')
  await h.callAs(h.adminId).users.assignRole({ id: userId, role, scope: policyScope(policyName) })
}
