import { isTrellisError } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callFailure } from './testing/call-failure.js'
import {
  addRoleUser,
  type PresetServer,
  type RoleUser,
  startPresetServer,
} from './testing/replay/replay-world.js'

const LEGAL = {
  attribution: 'Sensor data © Example City',
  licence: 'CC BY 4.0',
  contact: 'data@example.com',
  notes: [{ text: 'Licence', link: 'https://creativecommons.org/licenses/by/4.0/' }],
}

// docs/policies.md, "Worked example: a partner feed", call by call through the SDK on a
// real BitBroker server: a partner reads one entity type, only the records of one region,
// without the personal field, 1,000 calls a day, and is told the terms with the data.
describe('docs/policies.md: worked example, a partner feed', () => {
  let preset: PresetServer
  let partner: RoleUser

  beforeAll(async () => {
    preset = await startPresetServer('bitbroker')
    const coordinator = preset.admin
    // 1. The coordinator defines the type, and the sensors are contributed.
    await coordinator.entityTypes.create.mutate({
      name: 'sensors',
      schema: {
        type: 'object',
        properties: {
          site: { type: 'string' },
          region: { type: 'string' },
          celsius: { type: 'number' },
          operatorEmail: { type: 'string' },
        },
        required: ['site', 'region'],
      },
    })
    for (const [site, region] of [
      ['Rooftop', 'north'],
      ['Harbour', 'south'],
      ['Basement', 'north'],
    ] as const) {
      await coordinator.records.create.mutate({
        entityType: 'sensors',
        data: { site, region, celsius: 12.5, operatorEmail: `${site.toLowerCase()}@example.com` },
      })
    }
    // 2. The policy.
    await coordinator.policies.create.mutate({
      name: 'partnerFeed',
      description: 'Sensors of the north, for partners',
      types: { sensors: { filter: { field: 'region', eq: 'north' }, masks: ['operatorEmail'] } },
      quota: { calls: 1000, period: 'day' },
      legal: LEGAL,
    })
    // 3. The partner, bound to it.
    partner = await addRoleUser(preset, { name: 'partner', parentId: preset.adminId })
    await coordinator.users.assignRole.mutate({
      id: partner.id,
      role: 'consumer',
      scope: 'policy:partnerFeed',
    })
  })
  afterAll(() => preset?.stop())

  it('4. the partner reads through the policy: the north only, without operatorEmail, with the terms', async () => {
    const page = await partner.client.records.list.query({ entityType: 'sensors', policy: 'partnerFeed' })
    expect(page.items.map((record) => record.data)).toEqual([
      { site: 'Basement', region: 'north', celsius: 12.5 },
      { site: 'Rooftop', region: 'north', celsius: 12.5 },
    ])
    expect(page.policy).toEqual({ name: 'partnerFeed', legal: LEGAL })
    const one = await partner.client.records.get.query({ id: page.items[0]!.id, policy: 'partnerFeed' })
    expect(one.data).toEqual({ site: 'Basement', region: 'north', celsius: 12.5 })
  })

  it('5. not without the policy, not through another, not a record outside it', async () => {
    expect(await callFailure(partner.client.records.list.query({ entityType: 'sensors' }))).toMatchObject({
      code: 'FORBIDDEN',
    })
    expect(
      await callFailure(partner.client.records.list.query({ entityType: 'sensors', policy: 'otherFeed' })),
    ).toEqual({ code: 'NOT_FOUND', message: 'Policy not found: otherFeed' })
    const south = (await preset.admin.records.list.query({ entityType: 'sensors' })).items.find(
      (record) => record.data.region === 'south',
    )!
    expect(
      (await callFailure(partner.client.records.get.query({ id: south.id, policy: 'partnerFeed' }))).code,
    ).toBe('NOT_FOUND')
  })

  it('6. its counters, and the 1,001st call of the day: TOO_MANY_REQUESTS with when it resets', async () => {
    const [mine] = (await partner.client.policies.mine.query()).policies
    expect(mine).toMatchObject({
      name: 'partnerFeed',
      legal: LEGAL,
      types: { sensors: { masks: ['operatorEmail'] } },
      quota: { calls: 1000, period: 'day' },
    })
    const used = mine!.usage.quota!.used
    expect(used).toBeGreaterThanOrEqual(1)
    // Rather than 1,000 calls: the day's counter set where they would have left it.
    await preset.server.database.db
      .updateTable('policy_usage')
      .set({ calls: 999 })
      .where('user_id', '=', partner.id)
      .where('meter', '=', 'quota')
      .execute()
    await partner.client.records.list.query({ entityType: 'sensors', policy: 'partnerFeed' }) // the 1,000th
    const refused = await partner.client.records.list
      .query({ entityType: 'sensors', policy: 'partnerFeed' })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    if (!isTrellisError(refused)) throw new Error('The 1,001st call was not refused')
    expect(refused.data?.code).toBe('TOO_MANY_REQUESTS')
    expect(refused.data?.reason).toBe('POLICY_LIMIT_REACHED')
    const tomorrow = new Date()
    tomorrow.setUTCHours(24, 0, 0, 0)
    expect(refused.data?.resetsAt).toBe(tomorrow.toISOString())
    expect(refused.message).toBe(
      `Policy partnerFeed allows 1000 calls a day: try again at ${tomorrow.toISOString()}`,
    )
    const after = (await partner.client.policies.mine.query()).policies[0]!.usage.quota
    expect(after).toMatchObject({ used: 1000, remaining: 0, resetsAt: tomorrow.toISOString() })
  })
})
