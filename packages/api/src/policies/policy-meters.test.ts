import { findPolicy, type PolicyQuotaPeriod, type StoredPolicy } from '@trellis/db'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { race } from '../testing/race.js'
import { PolicyLimitError } from './policy-errors.js'
import { chargePolicyCall } from './policy-meters.js'

describe('policy meters (quota and rate, counted in the database)', () => {
  let h: ApiHarness
  let consumer: string
  let other: string
  let serial = 0
  beforeAll(async () => {
    h = await createApiHarness()
    consumer = await h.addUser('consumer@example.com', h.adminId)
    other = await h.addUser('other@example.com', h.adminId)
  })
  afterAll(() => h.dispose())

  /** A new policy with these limits, as the store reads it. */
  async function policyWith(limits: {
    quota?: { calls: number; period: PolicyQuotaPeriod }
    rate?: number
  }): Promise<StoredPolicy> {
    const name = `meters${++serial}`
    await h.database.db
      .insertInto('policies')
      .values({
        name,
        quota_calls: limits.quota?.calls ?? null,
        quota_period: limits.quota?.period ?? null,
        rate_per_second: limits.rate ?? null,
      })
      .execute()
    return (await findPolicy(h.database.db, name))!
  }

  const usage = (policy: StoredPolicy, userId: string, meter: 'quota' | 'rate') =>
    h.database.db
      .selectFrom('policy_usage')
      .select(['calls', 'window_start'])
      .where('policy_id', '=', policy.id)
      .where('user_id', '=', userId)
      .where('meter', '=', meter)
      .executeTakeFirst()

  /** Moves a consumer's meter window by `shift` (an interval): what time passing does to it. */
  const shiftWindow = (policy: StoredPolicy, userId: string, meter: 'quota' | 'rate', shift: string) =>
    h.database.db
      .updateTable('policy_usage')
      .set({ window_start: sql`window_start + ${shift}::interval` })
      .where('policy_id', '=', policy.id)
      .where('user_id', '=', userId)
      .where('meter', '=', meter)
      .execute()

  const charge = (policy: StoredPolicy, userId = consumer) => chargePolicyCall(h.database.db, policy, userId)

  /** Waits for the start of the next second, so that a burst of calls falls in one rate window. */
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5))

  for (const period of ['day', 'week', 'month'] as const) {
    it(`lets exactly the ${period}'s quota through of calls racing, the rest told the next ${period} start`, async () => {
      const policy = await policyWith({ quota: { calls: 4, period } })
      const before = new Date()
      const outcomes = await race(...Array.from({ length: 11 }, () => charge(policy)))
      const after = new Date()
      expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(4)
      const refusals = outcomes.filter((outcome) => outcome !== 'ok')
      expect(refusals).toHaveLength(7)
      for (const refusal of refusals)
        expect(refusal).toMatch(/^TOO_MANY_REQUESTS: Policy meters\d+ allows 4 calls a /)
      expect((await usage(policy, consumer, 'quota'))?.calls).toBe(4)

      const error = await failure(charge(policy))
      expect(error).toBeInstanceOf(PolicyLimitError)
      const { resetsAt } = error as PolicyLimitError
      // The window of the call is the one of `before` or, across a boundary, of `after`.
      expect([nextWindowStart(period, before), nextWindowStart(period, after)]).toContainEqual(resetsAt)
      expect(formatted(error).message).toBe(
        `Policy ${policy.name} allows 4 calls a ${period}: try again at ${resetsAt.toISOString()}`,
      )
    })
  }

  it('lets exactly the rate through of calls racing in one second, the rest told the next second', async () => {
    const policy = await policyWith({ rate: 3 })
    await nextSecond()
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => charge(policy).then(() => 'ok', resetOf)),
    )
    const counted = await usage(policy, consumer, 'rate')
    expect(counted?.calls).toBe(3)
    const refused = outcomes.filter((outcome) => outcome !== 'ok')
    expect(refused).toHaveLength(7)
    // Every refusal names the end of the window the three calls were counted in.
    const windowEnd = new Date(counted!.window_start.getTime() + 1000).toISOString()
    expect(new Set(refused)).toEqual(new Set([`resets ${windowEnd}`]))
  })

  it('counts a call refused by one meter on neither', async () => {
    const policy = await policyWith({ rate: 2, quota: { calls: 3, period: 'day' } })
    await charge(policy)
    // Held in one rate window however slowly the calls below run.
    await shiftWindow(policy, consumer, 'rate', '1 hour')
    await charge(policy)
    const quotaBefore = await usage(policy, consumer, 'quota')
    // Refused by the rate: the quota is not touched.
    const rateRefusal = await failure(charge(policy))
    expect(rateRefusal.message).toMatch(/allows 2 calls a second/)
    expect(await usage(policy, consumer, 'quota')).toEqual(quotaBefore)

    // Refused by the quota: the rate meter, counted first, gives its call back.
    await shiftWindow(policy, consumer, 'rate', '-2 hours')
    await charge(policy)
    await shiftWindow(policy, consumer, 'rate', '1 hour')
    const rateBefore = await usage(policy, consumer, 'rate')
    const quotaRefusal = await failure(charge(policy))
    expect(quotaRefusal.message).toMatch(/allows 3 calls a day/)
    expect(await usage(policy, consumer, 'rate')).toEqual(rateBefore)
    expect((await usage(policy, consumer, 'quota'))?.calls).toBe(3)
  })

  it('counts consumers apart, and policies apart', async () => {
    const first = await policyWith({ quota: { calls: 2, period: 'day' } })
    const second = await policyWith({ quota: { calls: 2, period: 'day' } })
    const outcomes = await race(
      ...[first, second].flatMap((policy) =>
        [consumer, other].flatMap((userId) => Array.from({ length: 3 }, () => charge(policy, userId))),
      ),
    )
    // Three calls for each pair of policy and consumer, two of them let through.
    for (let pair = 0; pair < 4; pair++) {
      expect(outcomes.slice(pair * 3, pair * 3 + 3).filter((outcome) => outcome === 'ok')).toHaveLength(2)
    }
    for (const policy of [first, second])
      for (const userId of [consumer, other]) expect((await usage(policy, userId, 'quota'))?.calls).toBe(2)
  })

  it('starts a new window at 1, whichever meter', async () => {
    const policy = await policyWith({ rate: 1, quota: { calls: 1, period: 'week' } })
    await charge(policy)
    await failure(charge(policy))
    // A week later (the rate's window, older still, is new too).
    await shiftWindow(policy, consumer, 'quota', '-1 week')
    await shiftWindow(policy, consumer, 'rate', '-1 week')
    await charge(policy)
    const quota = await usage(policy, consumer, 'quota')
    expect(quota?.calls).toBe(1)
    expect(quota?.window_start).toEqual(
      new Date(nextWindowStart('week', new Date()).getTime() - 7 * 86_400_000),
    )
    expect((await usage(policy, consumer, 'rate'))?.calls).toBe(1)
  })

  it('counts a call that waited past its window in the newer window, never back in the older', async () => {
    const policy = await policyWith({ quota: { calls: 2, period: 'month' } })
    await charge(policy)
    // As if calls of the next month had counted while this one waited for the row's lock.
    await shiftWindow(policy, consumer, 'quota', '1 month')
    const { window_start: newer } = (await usage(policy, consumer, 'quota'))!
    await charge(policy)
    expect(await usage(policy, consumer, 'quota')).toEqual({ calls: 2, window_start: newer })
    const refused = await failure(charge(policy))
    expect((refused as PolicyLimitError).resetsAt).toEqual(nextWindowStart('month', newer))
  })

  it('keeps counting when the quota period grows, and tells the end of the new period', async () => {
    const policy = await policyWith({ quota: { calls: 2, period: 'day' } })
    await charge(policy)
    await charge(policy)
    await h.database.db
      .updateTable('policies')
      .set({ quota_period: 'month' })
      .where('id', '=', policy.id)
      .execute()
    const monthly = (await findPolicy(h.database.db, policy.name))!
    const before = new Date()
    const refused = (await failure(charge(monthly))) as PolicyLimitError
    expect([nextWindowStart('month', before), nextWindowStart('month', new Date())]).toContainEqual(
      refused.resetsAt,
    )
    expect((await usage(policy, consumer, 'quota'))?.calls).toBe(2)
  })

  it('cuts windows in UTC whatever the session time zone, across daylight saving changes', async () => {
    const policy = await policyWith({ quota: { calls: 1, period: 'month' } })
    await charge(policy)
    // A month that starts in winter and ends in summer in New York.
    await h.database.db
      .updateTable('policy_usage')
      .set({ window_start: new Date('2099-03-01T00:00:00Z') })
      .where('policy_id', '=', policy.id)
      .execute()
    const refused = await h.database.db.connection().execute(async (connection) => {
      await sql`set time zone 'America/New_York'`.execute(connection)
      try {
        return (await failure(chargePolicyCall(connection, policy, consumer))) as PolicyLimitError
      } finally {
        await sql`reset time zone`.execute(connection)
      }
    })
    expect(refused.resetsAt.toISOString()).toBe('2099-04-01T00:00:00.000Z')
  })

  it('counts nothing for a policy without a quota or a rate', async () => {
    const policy = await policyWith({})
    await Promise.all(Array.from({ length: 5 }, () => charge(policy)))
    expect(await usage(policy, consumer, 'quota')).toBeUndefined()
    expect(await usage(policy, consumer, 'rate')).toBeUndefined()
  })
})

/** `ok` becomes the rejection's `resets <ISO>` for a policy limit (any other error fails the test). */
function resetOf(error: unknown): string {
  if (!(error instanceof PolicyLimitError)) throw error
  return `resets ${error.resetsAt.toISOString()}`
}

/** When the window of `period` that holds `instant` ends: the next UTC second, day, Monday or 1st. */
function nextWindowStart(period: 'second' | 'day' | 'week' | 'month', instant: Date): Date {
  const year = instant.getUTCFullYear()
  const month = instant.getUTCMonth()
  const day = instant.getUTCDate()
  if (period === 'second') return new Date(Math.floor(instant.getTime() / 1000) * 1000 + 1000)
  if (period === 'month') return new Date(Date.UTC(year, month + 1, 1))
  // getUTCDay: Sunday 0, Monday 1; days until the next Monday, 7 on a Monday.
  const days = period === 'day' ? 1 : (8 - instant.getUTCDay()) % 7 || 7
  return new Date(Date.UTC(year, month, day + days))
}
