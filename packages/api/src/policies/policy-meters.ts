import type { StoredPolicy, TrellisDatabase } from '@trellis/db'
import { type RawBuilder, sql } from 'kysely'
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

// Windows are truncated and stepped in UTC wall time (timestamp without time zone), so a
// day is a UTC day and a month a UTC month whatever the session's time zone and its DST.
const utcTruncated = (unit: PolicyMeter['unit'], instant: RawBuilder<unknown>) =>
  sql`date_trunc(${unit}::text, ${instant} at time zone 'UTC')`

/** The start of the window of `unit` that holds `instant` (timestamptz). */
export const policyWindowStart = (unit: PolicyMeter['unit'], instant: RawBuilder<unknown>) =>
  sql<Date>`(${utcTruncated(unit, instant)} at time zone 'UTC')`

/** The end of the window of `unit` that holds `instant` (timestamptz): the next one's start. */
export const policyWindowEnd = (unit: PolicyMeter['unit'], instant: RawBuilder<unknown>) =>
  sql<Date>`((${utcTruncated(unit, instant)} + ${`1 ${unit}`}::interval) at time zone 'UTC')`

const ROLLBACK = Symbol('rollback')

/**
 * Counts one call of `userId` through the policy on each of its meters, or refuses it with
 * TOO_MANY_REQUESTS saying when the exhausted meter resets, counting nothing. Each meter is
 * one upsert on the consumer's row, which PostgreSQL locks: calls racing from any number of
 * servers are counted one after another, and no window lets more than its limit through.
 * It commits on its own (call it on the root database, before the read): a call once let
 * through stays counted whatever the read does next.
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
    // Meters are always taken in the same order (rate, then quota), so racing calls never deadlock.
    await db.transaction().execute(async (trx) => {
      for (const meter of meters) {
        // The row's window as this meter cuts time now: the quota's period may have changed since.
        const stored = policyWindowStart(meter.unit, sql`usage.window_start`)
        // `excluded.window_start` was read from the clock before the row's lock was granted:
        // a call that waited across a window's end must count in the row's newer window,
        // never take the count back to its older one.
        const opensWindow = sql`${stored} < excluded.window_start`
        const counted = await sql<{ calls: number }>`
          insert into policy_usage as usage (policy_id, user_id, meter, window_start, calls)
          values (${policy.id}, ${userId}, ${meter.meter}, ${policyWindowStart(meter.unit, sql`clock_timestamp()`)}, 1)
          on conflict (policy_id, user_id, meter) do update
            set calls = case when ${opensWindow} then 1 else usage.calls + 1 end,
                window_start = greatest(${stored}, excluded.window_start)
            where ${opensWindow} or usage.calls < ${meter.limit}
          returning calls
        `.execute(trx)
        if (counted.rows.length > 0) continue
        // Refused: the upsert locked the row all the same, so this reads the window that refused.
        const { rows } = await sql<{ resets_at: Date }>`
          select ${policyWindowEnd(meter.unit, sql`window_start`)} as resets_at from policy_usage
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
