import { POLICY_SCOPE_PATTERN, policyOfScope, policyScope } from '@trellis/core'
import { findPolicy, loadPolicies, type StoredPolicy } from '@trellis/db'
import { sql } from 'kysely'
import { z } from 'zod'
import type { Keyset } from '../pagination/keyset.js'
import { PageInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { authenticatedProcedure, booleanProcedure } from '../trpc/init.js'
import { type PolicyCounters, readPolicyCounters } from './policy-counters.js'
import { policyNotFound } from './policy-errors.js'
import { PolicyName } from './policy-inputs.js'
import { toPolicyView } from './policy-view.js'

const UsageInput = z.object({ policy: PolicyName, ...PageInput })

/** Consumers in id order: the only stable order a list of counters has. */
const byUserId: Keyset<{ id: string }> = {
  columns: ['users.id'],
  direction: 'asc',
  positionOf: (row) => ({ id: row.id }),
  position: z.object({ id: z.uuid() }).transform(({ id }) => [id] as const),
}

/** A policy as its consumer sees it: as its managers do, but without filters; and its own counters. */
function heldPolicyView(policy: StoredPolicy, usage: PolicyCounters) {
  const view = toPolicyView(policy)
  const types = Object.fromEntries(Object.entries(view.types).map(([type, { masks }]) => [type, { masks }]))
  return { ...view, types, usage }
}

/**
 * The meters of data-access policies (docs/policies.md, "Quotas and rates"): a consumer's
 * own policies and counters, and every consumer's counters for those who define policies.
 */
export const policyUsageProcedures = {
  /**
   * The policies the caller holds a `policy:<name>` binding for, each with its legal terms,
   * covered types and masks, its quota and rate, and the caller's calls in the windows
   * running now. Disabled policies are listed too, as `enabled: false`.
   */
  mine: authenticatedProcedure('policies.mine').query(async ({ ctx }) => {
    const scopes = await ctx.db
      .selectFrom('user_roles')
      .select('scope')
      .distinct()
      .where('user_id', '=', ctx.callerId)
      .where('scope', 'like', 'policy:%')
      .execute()
    const names = scopes.flatMap(({ scope }) =>
      scope !== null && POLICY_SCOPE_PATTERN.test(scope) ? [policyOfScope(scope)!] : [],
    )
    const policies = await loadPolicies(ctx.db, names)
    const views = []
    for (const policy of policies) {
      const counters = await readPolicyCounters(ctx.db, policy, [ctx.callerId])
      views.push(heldPolicyView(policy, counters.get(ctx.callerId)!))
    }
    return { policies: views }
  }),

  /**
   * Every consumer's counters on one policy, a page at a time in user id order: the users
   * holding a binding scoped to it, and any other that has called through it.
   */
  usage: booleanProcedure('policies.read')
    .input(UsageInput)
    .query(async ({ ctx, input }) => {
      const policy = await findPolicy(ctx.db, input.policy)
      if (!policy) throw policyNotFound(input.policy)
      const consumers = ctx.db
        .selectFrom('users')
        .select('users.id')
        .where((eb) =>
          eb.or([
            eb.exists(
              eb
                .selectFrom('user_roles')
                .select(sql`1`.as('held'))
                .whereRef('user_roles.user_id', '=', 'users.id')
                .where('user_roles.scope', '=', policyScope(policy.name)),
            ),
            eb.exists(
              eb
                .selectFrom('policy_usage')
                .select(sql`1`.as('counted'))
                .whereRef('policy_usage.user_id', '=', 'users.id')
                .where('policy_usage.policy_id', '=', policy.id),
            ),
          ]),
        )
      const page = await paginate(consumers, byUserId, input, (row) => row.id)
      const counters = await readPolicyCounters(ctx.db, policy, page.items)
      return {
        policy: policy.name,
        items: page.items.map((userId) => ({ userId, ...counters.get(userId)! })),
        nextCursor: page.nextCursor,
      }
    }),
}
