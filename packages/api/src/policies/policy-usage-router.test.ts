import { policyScope } from '@trellis/core'
import { bindRole, createRole, findPolicy, type StoredPolicy } from '@trellis/db'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { chargePolicyCall } from './policy-meters.js'

describe('policies.mine and policies.usage: counters for consumers and for those who define policies', () => {
  let h: ApiHarness
  let consumer: string
  let other: string
  let stranger: string
  let partnerFeed: StoredPolicy
  let openData: StoredPolicy
  let unheld: StoredPolicy
  const admin = () => h.callAs(h.adminId)

  /** Binds `userId` to a role granting `grants`, scoped (or not) as given. */
  async function bind(userId: string, role: string, scope: string | null) {
    const roleId = (
      await h.database.db.selectFrom('roles').select('id').where('name', '=', role).executeTakeFirst()
    )?.id
    await bindRole(h.database.db, { userId, roleId: roleId!, scope })
  }

  async function insertPolicy(
    name: string,
    values: {
      quota_calls?: number
      quota_period?: 'day'
      rate_per_second?: number
      enabled?: boolean
      legal?: unknown
    },
  ) {
    const { id } = await h.database.db
      .insertInto('policies')
      .values({
        name,
        quota_calls: null,
        quota_period: null,
        rate_per_second: null,
        ...values,
        legal: JSON.stringify(values.legal ?? {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return id
  }

  beforeAll(async () => {
    h = await createApiHarness()
    consumer = await h.addUser('consumer@example.com', h.adminId)
    other = await h.addUser('other@example.com', h.adminId)
    stranger = await h.addUser('stranger@example.com', h.adminId)
    await admin().entityTypes.create({
      name: 'stations',
      schema: { type: 'object', properties: { region: { type: 'string' }, owner: { type: 'string' } } },
    })
    const partnerId = await insertPolicy('partnerFeed', {
      quota_calls: 5,
      quota_period: 'day',
      rate_per_second: 50,
      legal: { licence: 'CC-BY-4.0', attribution: 'Trellis partners' },
    })
    await h.database.db
      .insertInto('policy_types')
      .values({
        policy_id: partnerId,
        entity_type_id: sql<string>`(select id from entity_types where name = 'stations')`,
        filter: JSON.stringify({ field: 'region', eq: 'north' }),
        masks: ['owner'],
      })
      .execute()
    await insertPolicy('openData', { enabled: false })
    await insertPolicy('unheld', { quota_calls: 1, quota_period: 'day' })
    partnerFeed = (await findPolicy(h.database.db, 'partnerFeed'))!
    openData = (await findPolicy(h.database.db, 'openData'))!
    unheld = (await findPolicy(h.database.db, 'unheld'))!

    await createRole(h.database.db, 'consumer', { grants: { 'policies.mine': true } })
    await createRole(h.database.db, 'policyConsumer', { grants: {} })
    await bind(consumer, 'consumer', null)
    await bind(consumer, 'policyConsumer', policyScope('partnerFeed'))
    await bind(consumer, 'policyConsumer', policyScope('openData'))
    await bind(consumer, 'policyConsumer', 'entityType:stations')
    await bind(other, 'policyConsumer', policyScope('partnerFeed'))
  })
  afterAll(() => h.dispose())

  it('gives a consumer the policies it holds, with terms, types, masks, limits and its counters', async () => {
    await chargePolicyCall(h.database.db, partnerFeed, consumer)
    await chargePolicyCall(h.database.db, partnerFeed, consumer)
    // Another consumer's calls and an unheld policy's are not the caller's.
    await chargePolicyCall(h.database.db, partnerFeed, other)
    await chargePolicyCall(h.database.db, unheld, consumer)
    const tomorrow = new Date()
    tomorrow.setUTCHours(24, 0, 0, 0)

    const { policies } = await h.callAs(consumer).policies.mine()
    expect(policies.map((policy) => policy.name)).toEqual(['openData', 'partnerFeed'])
    const [open, partner] = policies
    expect(partner).toEqual({
      name: 'partnerFeed',
      description: '',
      enabled: true,
      legal: { licence: 'CC-BY-4.0', attribution: 'Trellis partners' },
      types: { stations: { masks: ['owner'] } },
      scope: 'policy:partnerFeed',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      quota: { calls: 5, period: 'day' },
      ratePerSecond: 50,
      usage: {
        quota: { limit: 5, per: 'day', used: 2, remaining: 3, resetsAt: expect.any(String) },
        rate: {
          limit: 50,
          per: 'second',
          used: expect.any(Number),
          remaining: expect.any(Number),
          resetsAt: expect.any(String),
        },
      },
    })
    // The filter is the definers' business, not the consumer's.
    expect(JSON.stringify(partner)).not.toContain('north')
    expect(partner!.usage.quota!.resetsAt).toBe(tomorrow.toISOString())
    expect(open).toMatchObject({
      name: 'openData',
      enabled: false,
      quota: null,
      usage: { quota: null, rate: null },
    })
  })

  it('counts calls of an ended window as none, and says when the running one ends', async () => {
    await chargePolicyCall(h.database.db, partnerFeed, other)
    await h.database.db
      .updateTable('policy_usage')
      .set({ window_start: sql`window_start - interval '1 day'` })
      .where('user_id', '=', other)
      .where('meter', '=', 'quota')
      .execute()
    const page = await admin().policies.usage({ policy: 'partnerFeed' })
    const counted = page.items.find((item) => item.userId === other)
    expect(counted?.quota).toMatchObject({ used: 0, remaining: 5 })
  })

  it('refuses policies.mine to the anonymous and to users without the permission', async () => {
    expect((await failure(h.callAs(null).policies.mine())).code).toBe('UNAUTHORIZED')
    expect((await failure(h.callAs(stranger).policies.mine())).code).toBe('FORBIDDEN')
  })

  it('gives those who read policies every consumer’s counters, a page at a time', async () => {
    const first = await admin().policies.usage({ policy: 'partnerFeed', limit: 1 })
    const second = await admin().policies.usage({
      policy: 'partnerFeed',
      limit: 1,
      cursor: first.nextCursor!,
    })
    expect(second.nextCursor).toBeNull()
    const items = [...first.items, ...second.items]
    expect(items.map((item) => item.userId)).toEqual([consumer, other].sort())
    const mine = items.find((item) => item.userId === consumer)
    expect(mine?.quota).toMatchObject({ limit: 5, used: 2, remaining: 3 })
    expect(first.policy).toBe('partnerFeed')

    // Whoever called through a policy is listed too, binding or not.
    const unheldUsage = await admin().policies.usage({ policy: 'unheld' })
    expect(unheldUsage.items).toEqual([
      { userId: consumer, quota: expect.objectContaining({ used: 1, remaining: 0 }), rate: null },
    ])
    expect(
      (await admin().policies.usage({ policy: openData.name })).items.map((item) => item.userId),
    ).toEqual([consumer])
  })

  it('answers an unknown policy NOT_FOUND, a malformed name BAD_REQUEST, a consumer FORBIDDEN', async () => {
    const unknown = await failure(admin().policies.usage({ policy: 'nosuchPolicy' }))
    expect(unknown.code).toBe('NOT_FOUND')
    expect(unknown.message).toBe('Policy not found: nosuchPolicy')
    const malformed = await failure(admin().policies.usage({ policy: 'Bad name' }))
    expect(malformed.code).toBe('BAD_REQUEST')
    expect(formatted(malformed).inputIssues?.[0]?.path).toEqual(['policy'])
    expect((await failure(h.callAs(consumer).policies.usage({ policy: 'partnerFeed' }))).code).toBe(
      'FORBIDDEN',
    )
  })
})
