import { policyFilterProblems, policyMaskProblems } from '@trellis/core'
import { selectEntityTypes, type TrellisDatabase, toStoredEntityType } from '@trellis/db'
import { invalidPolicy, type PolicyProblem } from './policy-errors.js'
import type { PolicyTypes } from './policy-inputs.js'
import type { SegmentRow } from './policy-writes.js'

/**
 * The rows of a policy's data segment as given, each checked against its entity type's JSON
 * Schema: BAD_REQUEST (INVALID_POLICY) naming every unknown type, and every filter or mask
 * field the type does not declare or compares with a value of another type. The types stay
 * locked (FOR SHARE) until the call ends, so a racing `entityTypes.delete` waits and then
 * sees the policy, or runs first and this call sees the type gone.
 */
export async function resolvePolicySegment(
  db: TrellisDatabase,
  policyName: string,
  types: PolicyTypes,
): Promise<SegmentRow[]> {
  const names = Object.keys(types).sort()
  const found = await selectEntityTypes(db).where('name', 'in', names).orderBy('name').forShare().execute()
  const byName = new Map(found.map((row) => [row.name, toStoredEntityType(row)]))
  const problems: PolicyProblem[] = []
  const segment: SegmentRow[] = []
  for (const name of names) {
    const type = byName.get(name)
    if (!type) {
      problems.push({ path: ['types', name], message: `No entity type named ${name}` })
      continue
    }
    const { filter, masks = [] } = types[name]!
    for (const message of filter ? policyFilterProblems(filter, type.schema, name) : [])
      problems.push({ path: ['types', name, 'filter'], message })
    for (const message of policyMaskProblems(masks, type.schema, name))
      problems.push({ path: ['types', name, 'masks'], message })
    segment.push({ entityTypeId: type.id, filter: filter ?? null, masks: [...new Set(masks)] })
  }
  if (problems.length > 0) throw invalidPolicy(policyName, problems)
  return segment
}
