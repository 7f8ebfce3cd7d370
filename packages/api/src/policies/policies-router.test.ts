import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'

const SENSOR_SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string' },
    reading: { type: 'number' },
    takenAt: { type: 'string', format: 'date-time' },
    owner: { type: 'string' },
    active: { type: 'boolean' },
  },
}

const PARTNER_FEED = {
  name: 'partnerFeed',
  description: 'What the partner sees',
  types: {
    sensors: {
      filter: {
        and: [
          { field: 'region', in: ['EU', 'UK'] },
          { field: 'reading', range: { gte: 0, lt: 100 } },
          { not: { field: 'active', eq: false } },
          {
            or: [
              { field: 'takenAt', range: { gte: '2026-01-01' } },
              { field: 'owner', exists: false },
            ],
          },
        ],
      },
      masks: ['owner'],
    },
    gauges: {},
  },
  quota: { calls: 1000, period: 'day' as const },
  ratePerSecond: 5,
  legal: {
    attribution: 'Data by Example Ltd',
    licence: 'CC-BY-4.0',
    contact: 'data@example.com',
    notes: [{ text: 'Terms', link: 'https://example.com/terms' }],
  },
}

describe('policies router', () => {
  let h: ApiHarness
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)
  const policyRows = () => h.database.db.selectFrom('policies').select('name').orderBy('name').execute()
  const segmentRows = () => h.database.db.selectFrom('policy_types').selectAll().execute()

  /** Creating a policy covering sensors as `types` says fails with INVALID_POLICY, saving nothing. */
  async function refusedSegment(types: unknown) {
    const before = { policies: await policyRows(), segments: await segmentRows() }
    const error = await failure(
      admin().policies.create({ name: 'refused', types } as Parameters<
        ReturnType<typeof admin>['policies']['create']
      >[0]),
    )
    expect(error.code).toBe('BAD_REQUEST')
    expect({ policies: await policyRows(), segments: await segmentRows() }).toEqual(before)
    return error
  }

  beforeAll(async () => {
    h = await createApiHarness()
    ids.consumer = await h.addUser('consumer@example.com', h.adminId)
    ids.reader = await h.addUser('reader@example.com', h.adminId)
    await h.grant(ids.reader, { 'policies.read': true })
    await admin().entityTypes.create({ name: 'sensors', schema: SENSOR_SCHEMA })
    await admin().entityTypes.create({ name: 'gauges', schema: { type: 'object' } })
  })
  afterAll(() => h.dispose())

  describe('creating, reading, changing and deleting', () => {
    it('round-trips a policy: what is created is what get and list show', async () => {
      const created = await admin().policies.create(PARTNER_FEED)
      expect(created).toMatchObject({
        name: 'partnerFeed',
        description: 'What the partner sees',
        enabled: true,
        types: {
          sensors: { filter: PARTNER_FEED.types.sensors.filter, masks: ['owner'] },
          gauges: { filter: null, masks: [] },
        },
        quota: { calls: 1000, period: 'day' },
        ratePerSecond: 5,
        legal: PARTNER_FEED.legal,
        scope: 'policy:partnerFeed',
      })
      expect(await h.callAs(ids.reader!).policies.get({ name: 'partnerFeed' })).toEqual(created)
      const listed = await h.callAs(ids.reader!).policies.list()
      expect(listed).toEqual({ items: [created], nextCursor: null })
    })

    it('takes defaults: enabled, no quota, no rate, no legal terms', async () => {
      const created = await admin().policies.create({ name: 'open', types: { gauges: {} } })
      expect(created).toMatchObject({
        description: '',
        enabled: true,
        quota: null,
        ratePerSecond: null,
        legal: {},
        types: { gauges: { filter: null, masks: [] } },
      })
    })

    it('pages policies by name', async () => {
      const first = await admin().policies.list({ limit: 1 })
      expect(first.items.map((policy) => policy.name)).toEqual(['open'])
      const second = await admin().policies.list({ limit: 1, cursor: first.nextCursor! })
      expect(second.items.map((policy) => policy.name)).toEqual(['partnerFeed'])
      expect(second.nextCursor).toBeNull()
    })

    it('updates everything but the name, each part given replacing the stored one', async () => {
      const updated = await admin().policies.update({
        name: 'partnerFeed',
        enabled: false,
        types: { sensors: { filter: { field: 'region', eq: 'EU' }, masks: ['owner', 'takenAt'] } },
        quota: null,
        legal: { licence: 'ODbL' },
      })
      expect(updated).toMatchObject({
        name: 'partnerFeed',
        description: 'What the partner sees',
        enabled: false,
        types: { sensors: { filter: { field: 'region', eq: 'EU' }, masks: ['owner', 'takenAt'] } },
        quota: null,
        ratePerSecond: 5,
        legal: { licence: 'ODbL' },
      })
      expect(await admin().policies.get({ name: 'partnerFeed' })).toEqual(updated)
      const again = await admin().policies.update({ name: 'partnerFeed', ratePerSecond: null })
      expect(again).toMatchObject({ enabled: false, ratePerSecond: null, types: updated.types })
    })

    it('refuses a name that is taken (CONFLICT NAME_TAKEN) and unknown names (NOT_FOUND)', async () => {
      const taken = await failure(admin().policies.create({ name: 'open', types: { sensors: {} } }))
      expect([taken.code, taken.message]).toEqual(['CONFLICT', 'Policy open already exists'])
      expect((await admin().policies.get({ name: 'open' })).types).toEqual({
        gauges: { filter: null, masks: [] },
      })
      for (const call of [
        () => admin().policies.get({ name: 'nothing' }),
        () => admin().policies.update({ name: 'nothing', enabled: false }),
        () => admin().policies.delete({ name: 'nothing' }),
      ]) {
        const missing = await failure(call())
        expect([missing.code, missing.message]).toEqual(['NOT_FOUND', 'Policy not found: nothing'])
      }
    })

    it('deletes a policy with its segment and the role and invitation bindings scoped to it', async () => {
      await admin().roles.create({ name: 'partner', grants: { 'records.read': 'ALL' } })
      const scope = 'policy:open' as const
      await admin().users.assignRole({ id: ids.consumer!, role: 'partner', scope })
      const invited = await admin().invitations.create({
        email: 'invited@example.com',
        parentId: h.adminId,
        role: 'partner',
        scope,
      })
      expect(invited).toBeTruthy()
      const bindingsScoped = async () => ({
        roles: await h.database.db.selectFrom('user_roles').select('id').where('scope', '=', scope).execute(),
        invitations: await h.database.db
          .selectFrom('invitation_bindings')
          .select('user_id')
          .where('scope', '=', scope)
          .execute(),
      })
      expect((await bindingsScoped()).roles).toHaveLength(1)
      expect((await bindingsScoped()).invitations).toHaveLength(1)
      expect(await admin().policies.delete({ name: 'open' })).toEqual({ name: 'open', removedBindings: 1 })
      expect(await bindingsScoped()).toEqual({ roles: [], invitations: [] })
      expect((await policyRows()).map((row) => row.name)).toEqual(['partnerFeed'])
      expect(await segmentRows()).toHaveLength(1)
      const gone = await failure(admin().policies.get({ name: 'open' }))
      expect(gone.code).toBe('NOT_FOUND')
    })
  })

  describe('what a policy is bound to', () => {
    it('binds a role scoped to an existing policy only (NOT_FOUND otherwise), and unbinds it', async () => {
      const missing = await failure(
        admin().users.assignRole({ id: ids.consumer!, role: 'partner', scope: 'policy:nothing' }),
      )
      expect([missing.code, missing.message]).toEqual(['NOT_FOUND', 'Policy not found: nothing'])
      const binding = { id: ids.consumer!, role: 'partner', scope: 'policy:partnerFeed' } as const
      expect(await admin().users.assignRole(binding)).toEqual({
        userId: ids.consumer,
        role: 'partner',
        scope: 'policy:partnerFeed',
      })
      expect(await admin().users.roles({ id: ids.consumer! })).toEqual([
        { role: 'partner', protected: false, scope: 'policy:partnerFeed' },
      ])
      await admin().users.unassignRole(binding)
      expect(await admin().users.roles({ id: ids.consumer! })).toEqual([])
    })

    it('refuses to delete an entity type a policy covers, naming the policy', async () => {
      const refused = await failure(admin().entityTypes.delete({ name: 'sensors' }))
      expect([refused.code, refused.message]).toEqual([
        'CONFLICT',
        'Entity type sensors is covered by policies partnerFeed: remove it from them first',
      ])
      expect(await admin().entityTypes.get({ name: 'sensors' })).toMatchObject({ name: 'sensors' })
      await admin().entityTypes.create({ name: 'spare', schema: { type: 'object' } })
      await admin().policies.create({ name: 'spareFeed', types: { spare: {} } })
      await admin().policies.update({ name: 'spareFeed', types: { gauges: {} } })
      expect(await admin().entityTypes.delete({ name: 'spare' })).toEqual({
        name: 'spare',
        removedBindings: 0,
      })
      await admin().policies.delete({ name: 'spareFeed' })
    })
  })

  describe('permissions', () => {
    it('refuses a caller without policies.* (FORBIDDEN naming the permission), changing nothing', async () => {
      const consumer = h.callAs(ids.consumer!)
      const before = await policyRows()
      const calls = {
        'policies.create': () => consumer.policies.create({ name: 'mine', types: { gauges: {} } }),
        'policies.update': () => consumer.policies.update({ name: 'partnerFeed', enabled: true }),
        'policies.delete': () => consumer.policies.delete({ name: 'partnerFeed' }),
        'policies.read': () => consumer.policies.get({ name: 'partnerFeed' }),
      }
      for (const [permission, call] of Object.entries(calls)) {
        const refused = await failure(call())
        expect([refused.code, refused.message]).toEqual(['FORBIDDEN', `Permission required: ${permission}`])
      }
      const reader = await failure(h.callAs(ids.reader!).policies.delete({ name: 'partnerFeed' }))
      expect(reader.code).toBe('FORBIDDEN')
      const anonymous = await failure(h.callAs(null).policies.list())
      expect(['UNAUTHORIZED', 'FORBIDDEN']).toContain(anonymous.code)
      expect(await policyRows()).toEqual(before)
      expect((await admin().policies.get({ name: 'partnerFeed' })).enabled).toBe(false)
    })
  })

  describe('validation against the types covered, when saved', () => {
    it('refuses a filter naming a field the type does not declare, naming it', async () => {
      const error = await refusedSegment({ sensors: { filter: { field: 'colour', eq: 'red' } } })
      expect(error.message).toBe(
        'Invalid policy refused: types.sensors.filter: "colour": not a data field of sensors',
      )
      expect(formatted(error).inputIssues).toEqual([
        {
          code: 'custom',
          path: ['types', 'sensors', 'filter'],
          message: '"colour": not a data field of sensors',
        },
      ])
    })

    it('refuses a value of the wrong type, naming the field', async () => {
      const error = await refusedSegment({
        sensors: {
          filter: {
            or: [
              { field: 'reading', eq: 'high' },
              { field: 'active', in: [true, 1] },
            ],
          },
        },
      })
      expect(error.message).toBe(
        'Invalid policy refused: types.sensors.filter: "reading": "high" is not a number; ' +
          'types.sensors.filter: "active": 1 is not a boolean',
      )
    })

    it('refuses a range over a text field, and bounds of the wrong kind, naming the field', async () => {
      const text = await refusedSegment({ sensors: { filter: { field: 'region', range: { gt: 1 } } } })
      expect(text.message).toContain('"region": a range needs a number field or a date field')
      const dates = await refusedSegment({
        sensors: { filter: { field: 'reading', range: { gt: '2026-01-01' } } },
      })
      expect(dates.message).toContain('"reading": the bounds of a range over a number field are numbers')
    })

    it('refuses a date bound outside the date grammar, naming the field', async () => {
      for (const bound of ['2026-02-30', '2026-01-01T24:00:00Z', 'yesterday', '2026-01-01T10:00:00']) {
        const error = await refusedSegment({
          sensors: { filter: { field: 'takenAt', range: { lt: bound } } },
        })
        expect(error.message, bound).toContain('"takenAt": the bounds of a range over a date field are dates')
      }
    })

    it('refuses a mask of a field the type does not declare, naming it', async () => {
      const error = await refusedSegment({ sensors: { masks: ['owner', 'ssn'] } })
      expect(error.message).toBe(
        'Invalid policy refused: types.sensors.masks: "ssn": not a data field of sensors, so it cannot be masked',
      )
      expect(formatted(error).inputIssues?.map((issue) => issue.path)).toEqual([
        ['types', 'sensors', 'masks'],
      ])
    })

    it('refuses an entity type that does not exist, naming it, with every other problem', async () => {
      const error = await refusedSegment({ boats: {}, sensors: { masks: ['ssn'] } })
      expect(formatted(error).inputIssues).toEqual([
        { code: 'custom', path: ['types', 'boats'], message: 'No entity type named boats' },
        {
          code: 'custom',
          path: ['types', 'sensors', 'masks'],
          message: '"ssn": not a data field of sensors, so it cannot be masked',
        },
      ])
      expect(error.message).toContain('types.boats: No entity type named boats')
    })

    it('checks an update the same way and keeps the stored policy when refused', async () => {
      const before = await admin().policies.get({ name: 'partnerFeed' })
      const error = await failure(
        admin().policies.update({
          name: 'partnerFeed',
          enabled: true,
          types: { sensors: { filter: { field: 'colour', exists: true } } },
        }),
      )
      expect([error.code, error.message]).toEqual([
        'BAD_REQUEST',
        'Invalid policy partnerFeed: types.sensors.filter: "colour": not a data field of sensors',
      ])
      expect(await admin().policies.get({ name: 'partnerFeed' })).toEqual(before)
    })
  })

  describe('hostile input: BAD_REQUEST from input validation, nothing saved', () => {
    const create = (input: unknown) =>
      admin().policies.create(input as Parameters<ReturnType<typeof admin>['policies']['create']>[0])

    async function refusedInput(input: unknown) {
      const before = { policies: await policyRows(), segments: await segmentRows() }
      const error = await failure(create(input))
      expect(error.code).toBe('BAD_REQUEST')
      expect(formatted(error).inputIssues?.length).toBeGreaterThan(0)
      expect({ policies: await policyRows(), segments: await segmentRows() }).toEqual(before)
      return formatted(error)
    }

    it('refuses NUL in names, filter values, masks and legal terms', async () => {
      const nul = '\u0000'
      for (const input of [
        { name: `a${nul}`, types: { gauges: {} } },
        { name: 'nul', types: { sensors: { filter: { field: 'region', eq: `EU${nul}` } } } },
        { name: 'nul', types: { sensors: { filter: { field: `region${nul}`, exists: true } } } },
        { name: 'nul', types: { sensors: { masks: [`owner${nul}`] } } },
        { name: 'nul', types: { [`gauges${nul}`]: {} } },
        { name: 'nul', types: { gauges: {} }, legal: { licence: `CC${nul}` } },
        {
          name: 'nul',
          types: { gauges: {} },
          legal: { notes: [{ text: 'x', link: `https://x.org/${nul}` }] },
        },
      ]) {
        await refusedInput(input)
      }
    })

    it('refuses a __proto__ entity type', async () => {
      const reply = await refusedInput(JSON.parse('{"name":"proto","types":{"__proto__":{}}}'))
      expect(reply.inputIssues).toEqual([
        { code: 'custom', path: ['types'], message: 'must not use "__proto__" as a key' },
      ])
    })

    it('refuses a filter 10,000 levels deep or 10,000 comparisons wide, before parsing it', async () => {
      let deep: unknown = { field: 'region', eq: 'EU' }
      for (let level = 0; level < 10_000; level++) deep = { not: deep }
      const tooDeep = await refusedInput({ name: 'deep', types: { sensors: { filter: deep } } })
      expect(tooDeep.message).toBe(
        'Invalid input: types.sensors.filter: A filter must not nest deeper than 8 levels',
      )
      const wide = { or: Array.from({ length: 10_000 }, (_, index) => ({ field: 'reading', eq: index })) }
      const tooWide = await refusedInput({ name: 'wide', types: { sensors: { filter: wide } } })
      expect(tooWide.message).toContain('must make at most 200 comparisons')
    })

    it('refuses an in list of more than 500 values or none', async () => {
      const huge = { field: 'reading', in: Array.from({ length: 100_000 }, (_, index) => index) }
      const tooMany = await refusedInput({ name: 'huge', types: { sensors: { filter: huge } } })
      expect(tooMany.message).toContain('an "in" list holds at most 500 values')
      await refusedInput({ name: 'none', types: { sensors: { filter: { field: 'reading', in: [] } } } })
    })

    it('refuses ill-formed filters, saying where', async () => {
      const cases: [unknown, string][] = [
        [
          { field: 'region', eq: 'EU', in: ['UK'] },
          'types.sensors.filter: A filter is an object with exactly one of',
        ],
        [{ and: [] }, 'types.sensors.filter.and: Too small'],
        [
          { or: [{ field: 'reading', eq: { nested: 1 } }] },
          'types.sensors.filter.or.0.eq: A value is a string',
        ],
        [{ field: 'reading', range: {} }, 'types.sensors.filter.range: A range needs at least one of'],
        [{ field: 'reading', range: { gt: 1, over: 2 } }, 'types.sensors.filter.range: Unrecognized key'],
        [{ field: 'reading', eq: Number.POSITIVE_INFINITY }, 'types.sensors.filter.eq'],
        [{ field: '', exists: true }, 'types.sensors.filter.field: Too small'],
      ]
      for (const [filter, said] of cases) {
        const reply = await refusedInput({ name: 'bad', types: { sensors: { filter } } })
        expect(reply.message, JSON.stringify(filter)).toContain(said)
      }
    })

    it('refuses misspelt keys, bad limits and links other than http(s)', async () => {
      const base = { name: 'bad', types: { gauges: {} } }
      const cases: [unknown, string][] = [
        [{ ...base, types: { sensors: { mask: ['owner'] } } }, 'types.sensors: Unrecognized key: "mask"'],
        [{ ...base, ratePerSec: 5 }, 'Unrecognized key: "ratePerSec"'],
        [{ ...base, legal: { license: 'x' } }, 'legal: Unrecognized key: "license"'],
        [{ ...base, quota: { calls: 0, period: 'day' } }, 'quota.calls'],
        [{ ...base, quota: { calls: 1.5, period: 'day' } }, 'quota.calls'],
        [{ ...base, quota: { calls: 10, period: 'year' } }, 'quota.period'],
        [{ ...base, ratePerSecond: 1_000_001 }, 'ratePerSecond'],
        [{ ...base, types: {} }, 'types: A policy covers 1 to 50 entity types'],
        [{ ...base, name: 'Partner' }, 'name: A policy name is letters and digits'],
        [{ ...base, legal: { notes: [{ text: 'x', link: 'javascript:alert(1)' }] } }, 'legal.notes.0.link'],
        [{ ...base, legal: { notes: [{ text: 'x', link: 'ftp://example.com/' }] } }, 'legal.notes.0.link'],
      ]
      for (const [input, said] of cases) {
        const reply = await refusedInput(input)
        expect(reply.message, JSON.stringify(input)).toContain(said)
      }
    })
  })
})
