import type { StoredPolicy, TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import { metersOf, type PolicyMeter, policyWindowEnd, policyWindowStart } from './policy-meters.js'

/** A consumer's calls on one meter of a policy, in the window running now. */
export interface PolicyCounter {
  readonly limit: number
  /** The meter's window: a second for the rate, the quota's period. */
  readonly per: PolicyMeter['unit']
  readonly used: number
  readonly remaining: number
  /** When this window ends and the next starts at 0 (ISO, UTC). */
  readonly resetsAt: string
}

/** A consumer's counters on a policy: null for a meter the policy does not set. */
export interface PolicyCounters {
  readonly quota: PolicyCounter | null
  readonly rate: PolicyCounter | null
}

/**
 * Each user's counters on the policy's meters, windows cut by the database's clock as
 * `chargePolicyCall` cuts them: calls of an ended window count as none.
 */
export async function readPolicyCounters(
  db: TrellisDatabase,
  policy: StoredPolicy,
  userIds: readonly string[],
): Promise<Map<string, PolicyCounters>> {
  const counters = new Map<string, { quota: PolicyCounter | null; rate: PolicyCounter | null }>(
    userIds.map((userId) => [userId, { quota: null, rate: null }]),
  )
  if (userIds.length === 0) return counters
  for (const meter of metersOf(policy)) {
    const now = sql`now()`
    // A window later than now's is one a call counted in while it waited for the row (chargePolicyCall).
    const { rows } = await sql<{ user_id: string; used: number; resets_at: Date }>`
      select consumer.user_id,
        case when ${policyWindowStart(meter.unit, sql`usage.window_start`)} >= ${policyWindowStart(meter.unit, now)}
          then usage.calls else 0 end as used,
        greatest(
          ${policyWindowEnd(meter.unit, sql`coalesce(usage.window_start, ${now})`)},
          ${policyWindowEnd(meter.unit, now)}
        ) as resets_at
      from unnest(${[...userIds]}::uuid[]) as consumer (user_id)
      left join policy_usage as usage
        on usage.policy_id = ${policy.id} and usage.meter = ${meter.meter} and usage.user_id = consumer.user_id
    `.execute(db)
    for (const row of rows) {
      counters.get(row.user_id)![meter.meter] = {
        limit: meter.limit,
        per: meter.unit,
        used: row.used,
        remaining: Math.max(meter.limit - row.used, 0),
        resetsAt: new Date(row.resets_at).toISOString(),
      }
    }
  }
  return counters
}
