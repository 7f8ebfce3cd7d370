import { entityTypeGrants, entityTypePermission } from '@trellis/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'

const PAYMENT_MACHINE = {
  initial: 'new',
  transitions: {
    start: { from: ['new'], to: 'started' },
    execute: { from: ['started'], to: 'executed' },
    reverse: { from: ['executed'], to: 'reversed' },
  },
}

describe('entity types router', () => {
  let h: ApiHarness
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)

  /** Grants held by any role on one permission, straight from the table. */
  const grantsOn = (permission: string) =>
    h.database.db
      .selectFrom('role_grants')
      .select(['role_id', 'level'])
      .where('permission', '=', permission)
      .execute()
  const statusesOf = async (entityType: string) => {
    const rows = await h.database.db
      .selectFrom('records')
      .innerJoin('entity_types', 'entity_types.id', 'records.entity_type_id')
      .select('records.status')
      .where('entity_types.name', '=', entityType)
      .execute()
    return rows.map((row) => row.status)
  }

  beforeAll(async () => {
    h = await createApiHarness()
    ids.viewer = await h.addUser('viewer@example.com', h.adminId)
    ids.nobody = await h.addUser('nobody@example.com', h.adminId)
    await h.grant(ids.viewer, { 'entityTypes.read': true })
  })
  afterAll(() => h.dispose())

  describe('creating and reading', () => {
    it('creates a type and lists the permissions it declares', async () => {
      const created = await admin().entityTypes.create({
        name: 'cars',
        description: 'Vehicles',
        schema: { type: 'object', properties: { make: { type: 'string' } } },
      })
      expect(created).toMatchObject({
        name: 'cars',
        description: 'Vehicles',
        stateMachine: null,
        permissions: ['cars.read', 'cars.create', 'cars.update', 'cars.delete'],
      })
      const payments = await admin().entityTypes.create({
        name: 'payments',
        schema: {},
        stateMachine: PAYMENT_MACHINE,
      })
      expect(payments.description).toBe('')
      expect(payments.permissions).toEqual([
        'payments.read',
        'payments.create',
        'payments.update',
        'payments.delete',
        'payments.start',
        'payments.execute',
        'payments.reverse',
      ])
    })

    it('lets a caller with entityTypes.read list and get, and nobody else', async () => {
      const listed = await h.callAs(ids.viewer!).entityTypes.list()
      expect(listed.items.map((type) => type.name)).toEqual(['cars', 'payments'])
      const got = await h.callAs(ids.viewer!).entityTypes.get({ name: 'payments' })
      expect(got.stateMachine).toEqual(PAYMENT_MACHINE)
      const missing = await failure(h.callAs(ids.viewer!).entityTypes.get({ name: 'boats' }))
      expect([missing.code, missing.message]).toEqual(['NOT_FOUND', 'Entity type not found: boats'])
      const forbidden = await failure(h.callAs(ids.nobody!).entityTypes.list())
      expect([forbidden.code, forbidden.message]).toEqual([
        'FORBIDDEN',
        'Permission required: entityTypes.read',
      ])
      expect((await failure(h.callAs(null).entityTypes.list())).code).toBe('UNAUTHORIZED')
    })

    it('refuses writes to a caller holding only entityTypes.read', async () => {
      const create = await failure(h.callAs(ids.viewer!).entityTypes.create({ name: 'boats', schema: {} }))
      expect([create.code, create.message]).toEqual(['FORBIDDEN', 'Permission required: entityTypes.create'])
      const update = await failure(
        h.callAs(ids.viewer!).entityTypes.update({ name: 'cars', description: 'x' }),
      )
      expect(update.message).toBe('Permission required: entityTypes.update')
      const remove = await failure(h.callAs(ids.viewer!).entityTypes.delete({ name: 'cars' }))
      expect(remove.message).toBe('Permission required: entityTypes.delete')
      expect((await admin().entityTypes.get({ name: 'cars' })).description).toBe('Vehicles')
    })

    it('treats entityTypes.* as boolean permissions', async () => {
      const role = await admin().roles.create({ name: 'type-admin', grants: { 'entityTypes.create': true } })
      expect(role.grants).toEqual({ 'entityTypes.create': true })
      const leveled = await failure(
        admin().roles.setGrant({ role: 'type-admin', permission: 'entityTypes.read', grant: 'ALL' }),
      )
      expect([leveled.code, leveled.message]).toEqual([
        'BAD_REQUEST',
        'entityTypes.read is boolean: grant it with true',
      ])
    })
  })

  describe('refusing bad definitions', () => {
    it.each([
      ['Cars', /"Cars": an entity type name is camelCase/],
      ['fleet_cars', /camelCase/],
      ['users', /"users": the name is taken by the API's own permissions/],
      ['records', /taken by the API/],
      ['roles', /taken by the API/],
      ['auth', /taken by the API/],
      ['system', /taken by the API/],
      ['entityTypes', /taken by the API/],
    ])('refuses the name %j', async (name, message) => {
      const error = await failure(admin().entityTypes.create({ name, schema: {} }))
      expect(error.code).toBe('BAD_REQUEST')
      expect(error.message).toMatch(message)
    })

    it('refuses a schema that does not compile, saying why', async () => {
      const badType = await failure(admin().entityTypes.create({ name: 'boats', schema: { type: 'nope' } }))
      expect(badType.code).toBe('BAD_REQUEST')
      expect(badType.message).toMatch(/^Invalid entity type boats: schema: /)
      expect(badType.message).toMatch(/type/)
      // Strict mode: a misspelt keyword is an error, not a rule silently ignored.
      const misspelt = await failure(
        admin().entityTypes.create({ name: 'boats', schema: { type: 'object', propertiez: {} } }),
      )
      expect(misspelt.code).toBe('BAD_REQUEST')
      expect(misspelt.message).toMatch(/schema: .*propertiez/)
      // No remote $ref is ever fetched.
      const remote = await failure(
        admin().entityTypes.create({ name: 'boats', schema: { $ref: 'https://example.com/boat.json' } }),
      )
      expect(remote.code).toBe('BAD_REQUEST')
      expect(
        await h.database.db.selectFrom('entity_types').select('name').where('name', '=', 'boats').execute(),
      ).toEqual([])
    })

    it('refuses state machine problems: a transition named like an action, bad states, no "from"', async () => {
      const named = await failure(
        admin().entityTypes.create({
          name: 'boats',
          schema: {},
          stateMachine: { initial: 'new', transitions: { read: { from: ['new'], to: 'seen' } } },
        }),
      )
      expect([named.code, named.message]).toEqual([
        'BAD_REQUEST',
        'Invalid entity type boats: transition "read": the name is taken by a record action',
      ])
      const states = await failure(
        admin().entityTypes.create({
          name: 'boats',
          schema: {},
          stateMachine: { initial: 'New Boat', transitions: { sail: { from: ['new'], to: 'at sea' } } },
        }),
      )
      expect(states.code).toBe('BAD_REQUEST')
      expect(states.message).toMatch(/initial state "New Boat" is not a valid state name/)
      expect(states.message).toMatch(/transition "sail": "at sea" is not a valid state name/)
      // An empty `from` is already refused by input validation, and names the field.
      const noFrom = await failure(
        admin().entityTypes.create({
          name: 'boats',
          schema: {},
          stateMachine: { initial: 'new', transitions: { sail: { from: [], to: 'sailing' } } },
        }),
      )
      expect(noFrom.code).toBe('BAD_REQUEST')
      const issues = (noFrom.cause as { issues?: { path: PropertyKey[] }[] } | undefined)?.issues
      expect(issues?.map((issue) => issue.path)).toEqual([['stateMachine', 'transitions', 'sail', 'from']])
    })

    it('refuses a duplicate name with CONFLICT and leaves the first one alone', async () => {
      const error = await failure(
        admin().entityTypes.create({ name: 'cars', schema: { type: 'array' }, description: 'again' }),
      )
      expect([error.code, error.message]).toEqual(['CONFLICT', 'Entity type cars already exists'])
      const cars = await admin().entityTypes.get({ name: 'cars' })
      expect(cars).toMatchObject({ description: 'Vehicles', schema: { type: 'object' } })
    })
  })

  describe('updating', () => {
    it('changes only what it is given', async () => {
      const before = await admin().entityTypes.get({ name: 'cars' })
      const after = await admin().entityTypes.update({ name: 'cars', description: 'Road vehicles' })
      expect(after).toMatchObject({ description: 'Road vehicles', schema: before.schema, stateMachine: null })
      expect(new Date(after.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(before.updatedAt).getTime())
    })

    it('refuses an invalid new definition and keeps the old one', async () => {
      const schema = await failure(admin().entityTypes.update({ name: 'cars', schema: { type: 'nope' } }))
      expect(schema.code).toBe('BAD_REQUEST')
      const machine = await failure(
        admin().entityTypes.update({
          name: 'cars',
          stateMachine: { initial: 'new', transitions: { delete: { from: ['new'], to: 'gone' } } },
        }),
      )
      expect(machine.code).toBe('BAD_REQUEST')
      expect(await admin().entityTypes.get({ name: 'cars' })).toMatchObject({
        schema: { type: 'object' },
        stateMachine: null,
      })
      const missing = await failure(admin().entityTypes.update({ name: 'boats', description: 'x' }))
      expect(missing.code).toBe('NOT_FOUND')
    })

    it('removes the grants of a transition it removes, and keeps the others', async () => {
      await admin().roles.create({
        name: 'payer',
        grants: entityTypeGrants({
          'payments.read': 'OWNED',
          'payments.start': 'OWNED',
          'payments.reverse': 'SELF',
        }),
      })
      const { reverse: _dropped, ...kept } = PAYMENT_MACHINE.transitions
      const updated = await admin().entityTypes.update({
        name: 'payments',
        stateMachine: { initial: 'new', transitions: kept },
      })
      expect(updated.permissions).not.toContain('payments.reverse')
      expect(await grantsOn('payments.reverse')).toEqual([])
      const role = await admin().roles.get({ name: 'payer' })
      expect(role.grants).toEqual({ 'payments.read': 'OWNED', 'payments.start': 'OWNED' })
      // A permission that no longer exists cannot be granted again.
      const stale = await failure(
        admin().roles.setGrant({
          role: 'payer',
          permission: entityTypePermission('payments', 'reverse'),
          grant: 'SELF',
        }),
      )
      expect([stale.code, stale.message]).toEqual(['BAD_REQUEST', 'Unknown permission: payments.reverse'])
    })

    it('gives existing records the initial state when a machine is added, and none when it goes', async () => {
      const car = await admin().records.create({ entityType: 'cars', data: { make: 'Fiat' } })
      expect(car.status).toBeNull()
      await admin().entityTypes.update({
        name: 'cars',
        stateMachine: { initial: 'parked', transitions: { drive: { from: ['parked'], to: 'moving' } } },
      })
      expect(await statusesOf('cars')).toEqual(['parked'])
      expect((await admin().records.get({ id: car.id })).status).toBe('parked')
      const moved = await admin().records.transition({ id: car.id, name: 'drive' })
      expect(moved.status).toBe('moving')
      await admin().entityTypes.update({ name: 'cars', stateMachine: null })
      expect(await statusesOf('cars')).toEqual([null])
      expect(await grantsOn('cars.drive')).toEqual([])
    })
  })

  describe('deleting', () => {
    it('refuses to delete a type that still has records, and changes nothing', async () => {
      await admin().roles.create({ name: 'car-reader', grants: entityTypeGrants({ 'cars.read': 'ALL' }) })
      const error = await failure(admin().entityTypes.delete({ name: 'cars' }))
      expect([error.code, error.message]).toEqual([
        'CONFLICT',
        'Entity type cars still has 1 record(s): delete them first',
      ])
      expect(await admin().entityTypes.get({ name: 'cars' })).toMatchObject({ name: 'cars' })
      expect(await grantsOn('cars.read')).toHaveLength(1)
      expect(await statusesOf('cars')).toHaveLength(1)
    })

    it('deletes an empty type with the grants on its permissions and the bindings scoped to it', async () => {
      await admin().roles.create({ name: 'payment-clerk', grants: { 'records.read': 'OWNED' } })
      const clerk = await h.addUser('clerk@example.com', h.adminId)
      await admin().users.assignRole({ id: clerk, role: 'payment-clerk', scope: 'entityType:payments' })
      await admin().users.assignRole({ id: clerk, role: 'payment-clerk', scope: 'entityType:cars' })
      const outcome = await admin().entityTypes.delete({ name: 'payments' })
      expect(outcome).toEqual({ name: 'payments', removedBindings: 1 })
      expect((await failure(admin().entityTypes.get({ name: 'payments' }))).code).toBe('NOT_FOUND')
      for (const permission of ['payments.read', 'payments.start', 'payments.execute']) {
        expect(await grantsOn(permission)).toEqual([])
      }
      // The role itself and its binding elsewhere stay.
      expect((await admin().roles.get({ name: 'payer' })).grants).toEqual({})
      expect(await admin().users.roles({ id: clerk })).toEqual([
        { role: 'payment-clerk', protected: false, scope: 'entityType:cars' },
      ])
      // The type's permissions and scope are gone with it.
      const grant = await failure(
        admin().roles.setGrant({
          role: 'payer',
          permission: entityTypePermission('payments', 'read'),
          grant: 'ALL',
        }),
      )
      expect(grant.message).toBe('Unknown permission: payments.read')
      const scoped = await failure(
        admin().users.assignRole({ id: clerk, role: 'payment-clerk', scope: 'entityType:payments' }),
      )
      expect([scoped.code, scoped.message]).toEqual(['NOT_FOUND', 'Entity type not found: payments'])
      expect((await failure(admin().entityTypes.delete({ name: 'payments' }))).code).toBe('NOT_FOUND')
    })

    it('records an audit event for each change, under the entityTypes permission', async () => {
      const events = await h.database.db
        .selectFrom('audit_events')
        .select(['permission', 'outcome'])
        .where('procedure', 'like', 'entityTypes.%')
        .where('outcome', '=', 'allowed')
        .execute()
      const permissions = new Set(events.map((event) => event.permission))
      expect(permissions).toEqual(new Set(['entityTypes.create', 'entityTypes.update', 'entityTypes.delete']))
    })
  })
})
