import { entityTypePermission } from '@trellis/core'
import type { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { createPolicy, grantThroughPolicy } from './policy-fixtures.js'

// A masked field's value must never reach a consumer, through any read path: get, list
// (with its total), aggregate (answered or refused), explain, the audit log (as listed and
// as stored), nor any error. The values are distinctive, so a leak shows in the JSON.
const SECRET = 'SECRET-'
const SALARY = 987_654.321

const PEOPLE_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    region: { type: 'string' },
    age: { type: 'integer' },
    ssn: { type: 'string' },
    salary: { type: 'number' },
  },
}

/** Everything a client could learn of a refusal: its formatted reply, its message and its cause's. */
function errorText(error: TRPCError): string {
  return JSON.stringify([formatted(error), error.message, error.cause?.message ?? null])
}

describe('masked fields through a policy', () => {
  let h: ApiHarness
  const ids: Record<string, string> = {}
  const seen: string[] = []
  const leaks = () => seen.filter((text) => text.includes(SECRET) || text.includes(String(SALARY)))

  beforeAll(async () => {
    h = await createApiHarness()
    const admin = h.callAs(h.adminId)
    await admin.entityTypes.create({ name: 'people', schema: PEOPLE_SCHEMA })
    ids.consumer = await h.addUser('consumer@example.com', h.adminId)
    await h.grant(h.adminId, { 'audit.read': 'ALL', 'policies.read': true })
    for (const [index, region] of ['EU', 'EU', 'US'].entries()) {
      const person = await admin.records.create({
        entityType: 'people',
        data: { name: `p${index}`, region, age: 30 + index, ssn: `${SECRET}${index}`, salary: SALARY },
      })
      ids[`p${index}`] = person.id
    }
    await createPolicy(h, {
      name: 'partnerFeed',
      legal: { licence: 'ODbL' },
      types: [{ entityType: 'people', filter: { field: 'region', eq: 'EU' }, masks: ['ssn', 'salary'] }],
    })
    await grantThroughPolicy(h, ids.consumer, 'partnerFeed', { 'people.read': 'ALL' })
  })
  afterAll(() => h.dispose())

  it('never appear in any answer or error of get, list, aggregate, explain and the audit log', async () => {
    const consumer = h.callAs(ids.consumer!)
    const through = { policy: 'partnerFeed' }
    const answers: unknown[] = [
      await consumer.records.get({ id: ids.p0!, ...through }),
      await consumer.records.list({ ...through, withTotal: true }),
      await consumer.records.list({ ...through, entityType: 'people', limit: 1 }),
      await consumer.records.aggregate({
        ...through,
        entityType: 'people',
        sum: ['age'],
        min: ['age'],
        max: ['age'],
        groupBy: { field: 'region' },
      }),
    ]
    // Every answer did read the records, only without the masked fields.
    expect(answers.map((answer) => JSON.stringify(answer).includes('"p0"'))).toEqual([
      true,
      true,
      false,
      false,
    ])
    expect(JSON.stringify(answers)).toContain('"age":30')
    const errors = [
      await failure(consumer.records.get({ id: ids.p2!, ...through })),
      await failure(consumer.records.aggregate({ ...through, entityType: 'people', sum: ['salary'] })),
      await failure(consumer.records.aggregate({ ...through, entityType: 'people', max: ['salary', 'ssn'] })),
      await failure(
        consumer.records.aggregate({ ...through, entityType: 'people', groupBy: { field: 'ssn' } }),
      ),
      await failure(consumer.records.list({ ...through, entityType: 'nobody' })),
    ]
    expect(errors.map((error) => error.code)).toEqual([
      'NOT_FOUND',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'NOT_FOUND',
    ])
    expect(errorText(errors[1]!)).toContain('\\"salary\\" is not available through policy partnerFeed')
    const admin = h.callAs(h.adminId)
    const explained = await admin.access.explain({
      userId: ids.consumer!,
      permission: entityTypePermission('people', 'read'),
      recordId: ids.p0!,
      policy: 'partnerFeed',
    })
    expect(explained).toMatchObject({ allowed: true, policy: { masks: ['ssn', 'salary'] } })
    const audit = await admin.audit.list({ policy: 'partnerFeed', limit: 100 })
    expect(audit.items.length).toBeGreaterThanOrEqual(answers.length + errors.length)
    const auditRows = await h.database.db.selectFrom('audit_events').selectAll().execute()
    seen.push(
      ...answers.map((answer) => JSON.stringify(answer)),
      ...errors.map(errorText),
      JSON.stringify(explained),
      JSON.stringify(audit),
      JSON.stringify(auditRows),
    )
    expect(leaks()).toEqual([])
    // The check itself can fail: the same records read by their owner, without the policy, do hold the values.
    const unmasked = JSON.stringify(await admin.records.get({ id: ids.p0! }))
    expect(unmasked).toContain(`${SECRET}0`)
    expect(unmasked).toContain(String(SALARY))
  })
})
