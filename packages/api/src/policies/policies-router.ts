import { policyScope } from '@trellis/core'
import { findPolicy, loadPolicies, type StoredPolicy, type TrellisDatabase, unbindScope } from '@trellis/db'
import { byName } from '../pagination/keyset.js'
import { PageOnlyInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { booleanProcedure, router } from '../trpc/init.js'
import { policyNameTaken, policyNotFound } from './policy-errors.js'
import { CreatePolicyInput, PolicyNameInput, UpdatePolicyInput } from './policy-inputs.js'
import { resolvePolicySegment } from './policy-segment.js'
import { policyUsageProcedures } from './policy-usage-router.js'
import { toPolicyView } from './policy-view.js'
import {
  deletePolicy,
  insertPolicy,
  lockPolicy,
  type PolicyTerms,
  replacePolicySegment,
  updatePolicyTerms,
} from './policy-writes.js'

/** One policy by name as it is now, or NOT_FOUND. */
async function getPolicy(db: TrellisDatabase, name: string): Promise<StoredPolicy> {
  const policy = await findPolicy(db, name)
  if (!policy) throw policyNotFound(name)
  return policy
}

/**
 * Data-access policies (docs/policies.md): which records of which entity types a consumer
 * reads through a policy, without which fields, how often, under what terms. Consumers
 * hold a policy as a role binding scoped `policy:<name>`.
 */
export const policiesRouter = router({
  /** Every policy, by name. */
  list: booleanProcedure('policies.read')
    .input(PageOnlyInput)
    .query(async ({ ctx, input }) => {
      const query = ctx.db.selectFrom('policies').select('policies.name')
      const page = await paginate(query, byName('policies'), input, (row) => row.name)
      const policies = await loadPolicies(ctx.db, page.items)
      return { items: policies.map(toPolicyView), nextCursor: page.nextCursor }
    }),

  get: booleanProcedure('policies.read')
    .input(PolicyNameInput)
    .query(async ({ ctx, input }) => toPolicyView(await getPolicy(ctx.db, input.name))),

  /** Defines a policy, its filters and masks checked against each covered type's JSON Schema. */
  create: booleanProcedure('policies.create')
    .input(CreatePolicyInput)
    .mutation(async ({ ctx, input }) => {
      const segment = await resolvePolicySegment(ctx.db, input.name, input.types)
      const id = await insertPolicy(ctx.db, input.name, input)
      if (!id) throw policyNameTaken(input.name)
      await replacePolicySegment(ctx.db, id, segment)
      return toPolicyView(await getPolicy(ctx.db, input.name))
    }),

  /**
   * Changes everything but the name; each part given replaces the stored one whole (`types`
   * is the whole new segment). Calls through the policy see the change from the next one.
   */
  update: booleanProcedure('policies.update')
    .input(UpdatePolicyInput)
    .mutation(async ({ ctx, input }) => {
      const id = await lockPolicy(ctx.db, input.name, { forUpdate: true })
      if (!id) throw policyNotFound(input.name)
      const current = await getPolicy(ctx.db, input.name)
      if (input.types) {
        const segment = await resolvePolicySegment(ctx.db, input.name, input.types)
        await replacePolicySegment(ctx.db, id, segment)
      }
      const terms: PolicyTerms = {
        description: input.description ?? current.description,
        enabled: input.enabled ?? current.enabled,
        quota: input.quota === undefined ? current.quota : input.quota,
        ratePerSecond: input.ratePerSecond === undefined ? current.ratePerSecond : input.ratePerSecond,
        legal: input.legal ?? current.legal,
      }
      await updatePolicyTerms(ctx.db, id, terms)
      return toPolicyView(await getPolicy(ctx.db, input.name))
    }),

  /**
   * Deletes a policy with its counters, and the role bindings and invitation bindings scoped
   * to it: its consumers lose it at once.
   */
  delete: booleanProcedure('policies.delete')
    .input(PolicyNameInput)
    .mutation(async ({ ctx, input }) => {
      const id = await lockPolicy(ctx.db, input.name, { forUpdate: true })
      if (!id) throw policyNotFound(input.name)
      const removedBindings = await unbindScope(ctx.db, policyScope(input.name))
      await deletePolicy(ctx.db, id)
      return { name: input.name, removedBindings }
    }),

  // A consumer's own policies and counters, and every consumer's (policy-usage-router.ts).
  ...policyUsageProcedures,
})
