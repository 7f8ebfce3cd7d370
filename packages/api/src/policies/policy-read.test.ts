import { randomUUID } from 'node:crypto'
import { entityTypePermission } from '@trellis/core'
import { createDatabase } from '@trellis/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import { reasonOf } from '../errors/trellis-error.js'
import { DEFAULT_AUTH_CONFIG } from '../identity/auth-config.js'
import { silentLogger } from '../logger.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { createContext } from '../trpc/context.js'
import { createPolicy, grantThroughPolicy, policyTypes } from './policy-fixtures.js'

const STATION_SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string' },
    name: { type: 'string' },
    contact: { type: 'string' },
    capacity: { type: 'number' },
  },
}
const SENSOR_SCHEMA = {
  type: 'object',
  properties: { region: { type: 'string' }, serial: { type: 'string' } },
}
const LEGAL = { licence: 'CC-BY-4.0', attribution: 'Trellis test data', contact: 'data@example.com' }

describe('reading through a policy', () => {
  let h: ApiHarness
  const ids: Record<string, string> = {}
  /** Record ids by label. */
  const rec: Record<string, string> = {}

  const consumer = () => h.callAs(ids.consumer!)
  const names = (items: readonly { data: Record<string, unknown> }[]) =>
    items.map((item) => item.data.name ?? item.data.serial).sort()

  beforeAll(async () => {
    h = await createApiHarness()
    const admin = h.callAs(h.adminId)
    await admin.entityTypes.create({ name: 'stations', schema: STATION_SCHEMA })
    await admin.entityTypes.create({ name: 'sensors', schema: SENSOR_SCHEMA })
    ids.consumer = await h.addUser('consumer@example.com', h.adminId)
    ids.stranger = await h.addUser('stranger@example.com', h.adminId)
    ids.coordinator = await h.addUser('coordinator@example.com', h.adminId)
    await h.grant(h.adminId, { 'records.read': 'ALL', 'policies.read': true })
    // A reader of everything, but holding no policy: policies are not its to open.
    await h.grant(ids.stranger, { 'records.read': 'ALL' })
    await h.grant(ids.coordinator, { 'policies.read': true, 'access.explain': 'ALL' })
    const station = (name: string, region: string, capacity: number) =>
      admin.records.create({
        entityType: 'stations',
        data: { name, region, capacity, contact: `contact-of-${name}` },
      })
    rec.eu1 = (await station('eu1', 'EU', 10)).id
    rec.eu2 = (await station('eu2', 'EU', 32)).id
    rec.us1 = (await station('us1', 'US', 99)).id
    rec.s1 = (await admin.records.create({ entityType: 'sensors', data: { serial: 's1', region: 'EU' } })).id
    rec.s2 = (await admin.records.create({ entityType: 'sensors', data: { serial: 's2', region: 'US' } })).id
    await createPolicy(h, {
      name: 'euStations',
      legal: LEGAL,
      types: [{ entityType: 'stations', filter: { field: 'region', eq: 'EU' }, masks: ['contact'] }],
    })
    await createPolicy(h, { name: 'allSensors', types: [{ entityType: 'sensors' }] })
    await grantThroughPolicy(h, ids.consumer, 'euStations', { 'records.read': 'ALL' })
    await grantThroughPolicy(h, ids.consumer, 'allSensors', { 'sensors.read': 'ALL' })
  })
  afterAll(() => h.dispose())

  it('lists the segment’s records matching the filter, masked, with the legal context', async () => {
    const page = await consumer().records.list({ policy: 'euStations', withTotal: true })
    expect(names(page.items)).toEqual(['eu1', 'eu2'])
    expect(page.items.every((item) => !('contact' in item.data) && item.entityType === 'stations')).toBe(true)
    expect(page.policy).toEqual({ name: 'euStations', legal: LEGAL })
    expect(page.total).toEqual({ count: 2, exact: true })
    const sensors = await consumer().records.list({ policy: 'allSensors' })
    expect(names(sensors.items)).toEqual(['s1', 's2'])
    expect(sensors.policy).toEqual({ name: 'allSensors', legal: {} })
  })

  it('gets a record of the segment masked; one outside the filter or the segment is NOT_FOUND', async () => {
    const eu1 = await consumer().records.get({ id: rec.eu1!, policy: 'euStations' })
    expect(eu1.data).toEqual({ name: 'eu1', region: 'EU', capacity: 10 })
    expect(eu1.policy).toEqual({ name: 'euStations', legal: LEGAL })
    for (const id of [rec.us1!, rec.s1!]) {
      const error = await failure(consumer().records.get({ id, policy: 'euStations' }))
      expect([error.code, error.message]).toEqual(['NOT_FOUND', 'Record not found'])
    }
    // Each policy serves its own records only: never the union of the two.
    const error = await failure(consumer().records.get({ id: rec.eu1!, policy: 'allSensors' }))
    expect(error.code).toBe('NOT_FOUND')
  })

  it('without a policy, the policy-scoped bindings count for nothing', async () => {
    const list = await failure(consumer().records.list({}))
    expect([list.code, list.message]).toEqual(['FORBIDDEN', 'Permission required: records.read'])
    const typed = await failure(consumer().records.list({ entityType: 'sensors' }))
    expect(typed.code).toBe('FORBIDDEN')
    const get = await failure(consumer().records.get({ id: rec.eu1! }))
    expect(get.code).toBe('NOT_FOUND')
    const aggregate = await failure(consumer().records.aggregate({ entityType: 'stations' }))
    expect(aggregate.code).toBe('FORBIDDEN')
  })

  it('refuses a type outside the segment by name, FORBIDDEN', async () => {
    const error = await failure(consumer().records.list({ policy: 'euStations', entityType: 'sensors' }))
    expect([error.code, error.message]).toEqual(['FORBIDDEN', 'Permission required: sensors.read'])
    const aggregate = await failure(
      consumer().records.aggregate({ policy: 'allSensors', entityType: 'stations' }),
    )
    expect([aggregate.code, aggregate.message]).toEqual(['FORBIDDEN', 'Permission required: stations.read'])
  })

  it('aggregates over the filtered records and refuses a masked field, naming it', async () => {
    const totals = await consumer().records.aggregate({
      policy: 'euStations',
      entityType: 'stations',
      sum: ['capacity'],
      groupBy: { field: 'region' },
    })
    expect(totals).toMatchObject({ count: 2, sum: { capacity: 42 }, policy: { name: 'euStations' } })
    expect(totals.groups?.map((group) => [group.key, group.count])).toEqual([['EU', 2]])
    for (const refused of [{ min: ['contact'] }, { groupBy: { field: 'contact' } }]) {
      const error = await failure(
        consumer().records.aggregate({ policy: 'euStations', entityType: 'stations', ...refused }),
      )
      expect(error.code).toBe('BAD_REQUEST')
      expect(formatted(error).inputIssues?.map((issue) => issue.message)).toEqual([
        '"contact" is not available through policy euStations',
      ])
    }
  })

  it('answers NOT_FOUND for an unknown policy and one the caller may not open, alike', async () => {
    for (const [caller, policy] of [
      [ids.consumer!, 'noSuchPolicy'],
      [ids.stranger!, 'euStations'],
    ] as const) {
      const error = await failure(h.callAs(caller).records.list({ policy }))
      expect([error.code, error.message]).toEqual(['NOT_FOUND', `Policy not found: ${policy}`])
    }
    const anonymous = await failure(h.callAs(null).records.list({ policy: 'euStations' }))
    expect(anonymous.code).toBe('UNAUTHORIZED')
    const badName = await failure(consumer().records.list({ policy: 'no such policy' }))
    expect(badName.code).toBe('BAD_REQUEST')
  })

  it('lets a holder of policies.read read through any policy, at its own level', async () => {
    const page = await h.callAs(h.adminId).records.list({ policy: 'euStations' })
    expect(names(page.items)).toEqual(['eu1', 'eu2'])
    expect(page.items.some((item) => 'contact' in item.data)).toBe(false)
  })

  it('holds a change of the policy from the very next call, on a second API instance too', async () => {
    const second = await secondInstance(h)
    try {
      const through = (instance: 'first' | 'second') =>
        (instance === 'first' ? consumer() : second.callAs(ids.consumer!)).records.list({
          policy: 'euStations',
        })
      // Warm both instances' access caches first: a change must not wait for them.
      expect(names((await through('first')).items)).toEqual(['eu1', 'eu2'])
      expect(names((await through('second')).items)).toEqual(['eu1', 'eu2'])

      const admin = h.callAs(h.adminId)
      await admin.policies.update({ name: 'euStations', enabled: false })
      for (const instance of ['first', 'second'] as const) {
        const error = await failure(through(instance))
        expect([error.code, reasonOf(error), error.message]).toEqual([
          'FORBIDDEN',
          'POLICY_DISABLED',
          'Policy euStations is disabled',
        ])
      }
      await admin.policies.update({
        name: 'euStations',
        enabled: true,
        types: policyTypes([
          { entityType: 'stations', filter: { field: 'capacity', range: { gte: 30 } }, masks: ['name'] },
        ]),
      })
      for (const instance of ['first', 'second'] as const) {
        const page = await through(instance)
        expect(page.items.map((item) => item.data.capacity).sort()).toEqual([32, 99])
        expect(page.items.some((item) => 'name' in item.data)).toBe(false)
        expect(page.items.every((item) => 'contact' in item.data)).toBe(true)
      }
    } finally {
      await h.callAs(h.adminId).policies.update({
        name: 'euStations',
        types: policyTypes([
          { entityType: 'stations', filter: { field: 'region', eq: 'EU' }, masks: ['contact'] },
        ]),
      })
      await second.dispose()
    }
  })

  it('audits every read through a policy, allowed or refused, naming the policy', async () => {
    const before = new Date().toISOString()
    await consumer().records.get({ id: rec.eu2!, policy: 'euStations' })
    await failure(consumer().records.get({ id: rec.us1!, policy: 'euStations' }))
    await consumer()
      .records.list({})
      .catch(() => undefined)
    const events = await h.callAs(h.adminId).audit.list({ actorId: ids.consumer!, from: before, limit: 50 })
    expect(
      events.items.map((event) => [event.procedure, event.permission, event.outcome, event.policy]),
    ).toEqual([
      ['records.list', 'records.read', 'denied', null],
      ['records.get', 'records.read', 'denied', 'euStations'],
      ['records.get', 'stations.read', 'allowed', 'euStations'],
    ])
    expect(events.items[2]?.targetId).toBe(rec.eu2)
    const filtered = await h.callAs(h.adminId).audit.list({ policy: 'euStations', from: before, limit: 50 })
    expect(filtered.items).toHaveLength(2)
  })

  it('explains a read through a policy: its filter and masks, and whether a record passes', async () => {
    const explain = (input: { type: string; recordId?: string; policy?: string }) => {
      const { type, ...rest } = input
      return h
        .callAs(ids.coordinator!)
        .access.explain({ userId: ids.consumer!, permission: entityTypePermission(type, 'read'), ...rest })
    }
    const terms = {
      name: 'euStations',
      enabled: true,
      covers: true,
      filter: { field: 'region', eq: 'EU' },
      masks: ['contact'],
    }
    const through = await explain({ type: 'stations', policy: 'euStations' })
    expect(through).toMatchObject({ allowed: true, level: 'ALL', policy: terms })
    expect(through.grants.map((grant) => grant.scope)).toEqual(['policy:euStations'])
    const passes = await explain({ type: 'stations', policy: 'euStations', recordId: rec.eu1! })
    expect(passes.allowed).toBe(true)
    const filteredOut = await explain({
      type: 'stations',
      policy: 'euStations',
      recordId: rec.us1!,
    })
    expect(filteredOut).toMatchObject({
      allowed: false,
      reason: 'The record does not match the filter of policy euStations',
    })
    const outside = await explain({ type: 'sensors', policy: 'euStations' })
    expect(outside).toMatchObject({ allowed: false, policy: { covers: false, filter: null, masks: [] } })
    const without = await explain({ type: 'stations' })
    expect(without).toMatchObject({ allowed: false, policy: null, grants: [] })
    const hidden = await failure(
      h.callAs(ids.coordinator!).access.explain({
        userId: ids.consumer!,
        permission: 'records.read',
        policy: 'noSuchPolicy',
      }),
    )
    expect([hidden.code, hidden.message]).toEqual(['NOT_FOUND', 'Policy not found: noSuchPolicy'])
  })
})

/**
 * Another API instance over the same database, as a second server process has: its own
 * connections (PostgreSQL) or its own database handle (PGlite), so its own access cache.
 */
async function secondInstance(h: ApiHarness) {
  const { config, dialect } = h.database
  const db = config.databaseUrl
    ? await createDatabase({
        databaseUrl: config.databaseUrl,
        ...(config.schema ? { schema: config.schema } : {}),
      })
    : h.database.db.withoutPlugins()
  return {
    callAs: (callerId: string) =>
      appRouter.createCaller(
        createContext(
          { db, dialect, logger: silentLogger, auth: DEFAULT_AUTH_CONFIG, effects: [] },
          { requestId: randomUUID(), clientAddress: '127.0.0.1', callerId },
        ),
      ),
    dispose: () => (config.databaseUrl ? db.destroy() : Promise.resolve()),
  }
}
