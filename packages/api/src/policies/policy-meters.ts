import type { StoredPolicy, TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import { policyLimitReached } from './policy-errors.js'

/** A meter of calls through a policy: the quota's period, or the rate's second. */
export interface PolicyMeter {
  readonly meter: 'quota' | 'rate'
  readonly limit: number
  /** `date_trunc` unit of the meter's fixed window (UTC). */
  readonly unit: 'second' | 'day' | 'week' | 'month'
}

/** The meters a policy sets: its quota and its rate, where given. */
export function metersOf(policy: Pick<StoredPolicy, 'quota' | 'ratePerSecond'>): PolicyMeter[] {
  const meters: PolicyMeter[] = []
  if (policy.ratePerSecond !== null)
    meters.push({ meter: 'rate', limit: policy.ratePerSecond, unit: 'second' })
  if (policy.quota) meters.push({ meter: 'quota', limit: policy.quota.calls, unit: policy.quota.period })
  return meters
}

/** The start of the meter's current window, in UTC, as PostgreSQL's clock tells it. */
const windowStart = (unit: PolicyMeter['unit']) =>
  sql<Date>`date_trunc(${unit}::text, clock_timestamp() at time zone 'UTC') at time zone 'UTC'`

const ROLLBACK = Symbol('rollback')

/**
 * Counts one call of `userId` through the policy on each of its meters, or refuses it with
 * TOO_MANY_REQUESTS saying when the exhausted meter resets, counting nothing. Each meter is
 * one upsert on the consumer's row, which PostgreSQL locks: calls racing from any number of
 * servers are counted one after another, and no window lets more than its limit through.
 */
export async function chargePolicyCall(
  db: TrellisDatabase,
  policy: StoredPolicy,
  userId: string,
): Promise<void> {
  const meters = metersOf(policy)
  if (meters.length === 0) return
  let exhausted: { meter: PolicyMeter; resetsAt: Date } | undefined
  try {
    await db.transaction().execute(async (trx) => {
      for (const meter of meters) {
        const counted = await sql<{ calls: number }>`
          insert into policy_usage as usage (policy_id, user_id, meter, window_start, calls)
          values (${policy.id}, ${userId}, ${meter.meter}, ${windowStart(meter.unit)}, 1)
          on conflict (policy_id, user_id, meter) do update
            set calls = case when usage.window_start = excluded.window_start then usage.calls + 1 else 1 end,
                window_start = excluded.window_start
            where usage.window_start <> excluded.window_start or usage.calls < ${meter.limit}
          returning calls
        `.execute(trx)
        if (counted.rows.length > 0) continue
        const { rows } = await sql<{ resets_at: Date }>`
          select window_start + ${`1 ${meter.unit}`}::interval as resets_at from policy_usage
          where policy_id = ${policy.id} and user_id = ${userId} and meter = ${meter.meter}
        `.execute(trx)
        exhausted = { meter, resetsAt: new Date(rows[0]!.resets_at) }
        // The meters counted before this one give their call back.
        throw ROLLBACK
      }
    })
  } catch (error) {
    if (error !== ROLLBACK || !exhausted) throw error
    throw policyLimitReached(policy.name, exhausted.meter, exhausted.resetsAt)
  }
}
