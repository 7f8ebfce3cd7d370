import type { PolicyLegalContext } from '@trellis/core'
import { maskPolicyFields } from '@trellis/core'
import { findPolicy, type StoredPolicy, type TrellisDatabase } from '@trellis/db'
import type { PolicyTypeTerms } from '../access/record-access.js'
import { unauthorized } from '../errors/access-errors.js'
import type { RecordView } from '../records/record-view.js'
import type { RecordGate } from '../trpc/record-gate.js'
import { policyDisabled, policyNotFound } from './policy-errors.js'
import { chargePolicyCall } from './policy-meters.js'

/** What every answer through a policy carries beside its data: the policy and its legal context. */
export interface PolicyAnswer {
  readonly name: string
  readonly legal: PolicyLegalContext
}

/** An answer that, read through a policy, carries it beside its data. */
export type PolicyAnswered<T> = T & { readonly policy?: PolicyAnswer }

/** `result` as answered: with the policy's name and legal context when read through one. */
export function answered<T extends object>(read: PolicyRead | undefined, result: T): PolicyAnswered<T> {
  return read ? { ...result, policy: read.answer } : result
}

/** A read through a policy, opened: the gate that reads through it, and how its answers look. */
export interface PolicyRead {
  /** The caller's records gate, deciding reads of the policy's types through the policy. */
  readonly gate: RecordGate
  readonly answer: PolicyAnswer
  /** `record` as the policy lets it be read: its type's masked fields removed from `data`. */
  masked(record: RecordView): RecordView
  /** The fields the policy masks for `entityType` (none for a type it does not cover). */
  masksOf(entityType: string): readonly string[]
}

/**
 * A policy the caller may open, as stored now (read afresh on every call, so a change holds
 * from the next one): UNAUTHORIZED for an anonymous caller; NOT_FOUND for an unknown policy
 * or one the caller neither holds a binding scoped to nor has `policies.read` for, alike.
 */
export async function visiblePolicy(
  db: TrellisDatabase,
  gate: Pick<RecordGate, 'anonymous' | 'seesPolicy'>,
  name: string,
): Promise<StoredPolicy> {
  if (gate.anonymous) throw unauthorized()
  if (!gate.seesPolicy(name)) throw policyNotFound(name)
  const policy = await findPolicy(db, name)
  if (!policy) throw policyNotFound(name)
  return policy
}

/**
 * Opens a read through policy `name` (docs/policies.md, "Reading through a policy"): the
 * policy visible to the caller (`visiblePolicy`), enabled (FORBIDDEN POLICY_DISABLED
 * otherwise), the call counted on its quota and rate (TOO_MANY_REQUESTS once used up),
 * then a gate that reads its types only, under its filters, and is audited as a read
 * through it.
 */
export async function openPolicyRead(
  db: TrellisDatabase,
  gate: RecordGate,
  name: string,
): Promise<PolicyRead> {
  const policy = await visiblePolicy(db, gate, name)
  const types = new Map<string, PolicyTypeTerms>(
    policy.types.map((type) => [
      type.entityType,
      { name: policy.name, filter: type.filter, masks: type.masks },
    ]),
  )
  // From here on the call is audited as a read through the policy, refused or not.
  const through = gate.throughPolicy({ name: policy.name, types })
  if (!policy.enabled) throw policyDisabled(policy.name)
  await chargePolicyCall(db, policy, gate.actor!.id)
  const masksOf = (entityType: string) => types.get(entityType)?.masks ?? []
  return {
    gate: through,
    answer: { name: policy.name, legal: policy.legal },
    masked: (record) => ({ ...record, data: maskPolicyFields(record.data, masksOf(record.entityType)) }),
    masksOf,
  }
}
