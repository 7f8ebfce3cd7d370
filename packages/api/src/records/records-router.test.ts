import { randomUUID } from 'node:crypto'
import { type EntityTypeScope, entityTypePermission } from '@trellis/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'

const CAR_SCHEMA = {
  type: 'object',
  properties: { make: { type: 'string' }, amount: { type: 'number', minimum: 0 } },
  required: ['make'],
  additionalProperties: false,
}

describe('records router', () => {
  let h: ApiHarness
  // admin ── boss ─┬─ alice ── kid
  //                ├─ bob
  //                └─ carol
  // loner (a second root)
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)
  const as = (name: string) => h.callAs(ids[name]!)

  /** The newest audit events of one procedure, straight from the table. */
  const auditOf = (procedure: string, actorId: string) =>
    h.database.db
      .selectFrom('audit_events')
      .select(['permission', 'outcome', 'error_code', 'target_id'])
      .where('procedure', '=', procedure)
      .where('actor_id', '=', actorId)
      .orderBy('occurred_at', 'desc')
      .orderBy('id', 'desc')
      .execute()

  beforeAll(async () => {
    h = await createApiHarness()
    ids.boss = await h.addUser('boss@example.com', h.adminId)
    ids.alice = await h.addUser('alice@example.com', ids.boss)
    ids.kid = await h.addUser('kid@example.com', ids.alice)
    ids.bob = await h.addUser('bob@example.com', ids.boss)
    ids.carol = await h.addUser('carol@example.com', ids.boss)
    ids.loner = await h.addUser('loner@example.com', null)
    await admin().entityTypes.create({ name: 'cars', schema: CAR_SCHEMA })
    await admin().entityTypes.create({ name: 'trucks', schema: {} })
    // Per-type permissions at different levels; no delete.
    await h.grant(ids.alice!, {
      'cars.read': 'OWNED',
      'cars.create': 'OWNED',
      'cars.update': 'SELF',
    })
    // Generic records.* cover every type.
    await h.grant(ids.boss!, {
      'records.read': 'OWNED',
      'records.create': 'OWNED',
      'records.update': 'OWNED',
      'records.delete': 'OWNED',
    })
    await h.grant(ids.bob!, { 'trucks.read': 'SELF', 'trucks.create': 'SELF' })
  })
  afterAll(() => h.dispose())

  describe('create', () => {
    it('owns the record by the caller by default; no state machine means no status', async () => {
      const car = await as('alice').records.create({ entityType: 'cars', data: { make: 'Fiat', amount: 3 } })
      expect(car).toMatchObject({
        entityType: 'cars',
        ownerId: ids.alice,
        status: null,
        data: { make: 'Fiat', amount: 3 },
      })
      expect(car.createdAt).toBe(car.updatedAt)
      ids.aliceCar = car.id
    })

    it('creates for another owner within the create level, and NOT_FOUND outside it', async () => {
      const kidCar = await as('alice').records.create({
        entityType: 'cars',
        ownerId: ids.kid!,
        data: { make: 'Mini' },
      })
      expect(kidCar.ownerId).toBe(ids.kid)
      ids.kidCar = kidCar.id
      for (const ownerId of [ids.bob!, ids.boss!, randomUUID()]) {
        const error = await failure(
          as('alice').records.create({ entityType: 'cars', ownerId, data: { make: 'Nope' } }),
        )
        expect([error.code, error.message]).toEqual(['NOT_FOUND', 'User not found'])
      }
    })

    it('checks data against the schema and names each failing path', async () => {
      const error = await failure(
        as('alice').records.create({ entityType: 'cars', data: { amount: -1, colour: 'red' } }),
      )
      expect([error.code, error.message]).toEqual(['BAD_REQUEST', 'Invalid record data'])
      const issues = (error.cause as unknown as { issues: { path: PropertyKey[]; code: string }[] }).issues
      expect(issues.map((issue) => [issue.code, issue.path])).toEqual(
        expect.arrayContaining([
          ['required', ['data', 'make']],
          ['minimum', ['data', 'amount']],
          ['additionalProperties', ['data']],
        ]),
      )
      // Clients get the same paths as for any invalid input.
      const reply = formatted(error)
      expect(reply.inputIssues?.map((issue) => issue.path)).toContainEqual(['data', 'amount'])
      expect(reply.message).toMatch(/^Invalid input: .*data\.amount: must be >= 0/)
      const stored = await h.database.db.selectFrom('records').select('id').execute()
      expect(stored).toHaveLength(2)
    })

    it('refuses an unknown type, and a type the caller may not create', async () => {
      const unknown = await failure(admin().records.create({ entityType: 'boats', data: {} }))
      expect([unknown.code, unknown.message]).toEqual(['NOT_FOUND', 'Entity type not found: boats'])
      const trucks = await failure(as('alice').records.create({ entityType: 'trucks', data: {} }))
      expect([trucks.code, trucks.message]).toEqual(['FORBIDDEN', 'Permission required: trucks.create'])
      const nothing = await failure(as('loner').records.create({ entityType: 'cars', data: { make: 'x' } }))
      expect(nothing.message).toBe('Permission required: cars.create')
    })

    it('lets a generic records.create cover every type', async () => {
      const truck = await as('boss').records.create({
        entityType: 'trucks',
        ownerId: ids.bob!,
        data: { axles: 3 },
      })
      expect(truck).toMatchObject({ entityType: 'trucks', ownerId: ids.bob, data: { axles: 3 } })
      ids.bobTruck = truck.id
      const car = await as('boss').records.create({
        entityType: 'cars',
        ownerId: ids.bob!,
        data: { make: 'Saab' },
      })
      ids.bobCar = car.id
    })
  })

  describe('get', () => {
    it('returns a record within the read level', async () => {
      await expect(as('alice').records.get({ id: ids.kidCar! })).resolves.toMatchObject({
        id: ids.kidCar,
        ownerId: ids.kid,
      })
      await expect(as('boss').records.get({ id: ids.kidCar! })).resolves.toMatchObject({ id: ids.kidCar })
    })

    it('answers NOT_FOUND outside the level exactly as for a missing id', async () => {
      const outside = await failure(as('alice').records.get({ id: ids.bobCar! }))
      const wrongType = await failure(as('alice').records.get({ id: ids.bobTruck! }))
      const missing = await failure(as('alice').records.get({ id: randomUUID() }))
      for (const error of [outside, wrongType, missing]) {
        expect([error.code, error.message]).toEqual(['NOT_FOUND', 'Record not found'])
      }
      const bob = await failure(as('bob').records.get({ id: ids.bobCar! }))
      expect(bob.code).toBe('NOT_FOUND')
    })
  })

  describe('update', () => {
    it('replaces the data of a record within the update level', async () => {
      const updated = await as('alice').records.update({
        id: ids.aliceCar!,
        data: { make: 'Fiat', amount: 4 },
      })
      expect(updated.data).toEqual({ make: 'Fiat', amount: 4 })
      expect(updated.updatedAt >= updated.createdAt).toBe(true)
    })

    it('refuses data that breaks the schema and keeps the old data', async () => {
      const error = await failure(as('alice').records.update({ id: ids.aliceCar!, data: { make: 42 } }))
      expect(error.code).toBe('BAD_REQUEST')
      expect(formatted(error).inputIssues?.map((issue) => issue.path)).toEqual([['data', 'make']])
      expect((await as('alice').records.get({ id: ids.aliceCar! })).data).toEqual({ make: 'Fiat', amount: 4 })
    })

    it('is FORBIDDEN on a visible record outside the update level, NOT_FOUND on an invisible one', async () => {
      const visible = await failure(as('alice').records.update({ id: ids.kidCar!, data: { make: 'x' } }))
      expect([visible.code, visible.message]).toEqual(['FORBIDDEN', 'Permission required: cars.update'])
      const invisible = await failure(as('alice').records.update({ id: ids.bobCar!, data: { make: 'x' } }))
      const missing = await failure(as('alice').records.update({ id: randomUUID(), data: { make: 'x' } }))
      expect([invisible.code, invisible.message]).toEqual(['NOT_FOUND', 'Record not found'])
      expect([missing.code, missing.message]).toEqual(['NOT_FOUND', 'Record not found'])
      expect((await admin().records.get({ id: ids.kidCar! })).data).toEqual({ make: 'Mini' })
    })
  })

  describe('delete', () => {
    it('is FORBIDDEN without a delete grant on a visible record, NOT_FOUND on an invisible one', async () => {
      const visible = await failure(as('alice').records.delete({ id: ids.kidCar! }))
      expect([visible.code, visible.message]).toEqual(['FORBIDDEN', 'Permission required: cars.delete'])
      const invisible = await failure(as('bob').records.delete({ id: ids.bobCar! }))
      expect(invisible.code).toBe('NOT_FOUND')
      await expect(admin().records.get({ id: ids.kidCar! })).resolves.toBeDefined()
    })

    it('deletes within the level; the record is then gone', async () => {
      const temp = await as('alice').records.create({ entityType: 'cars', data: { make: 'Temp' } })
      const outcome = await as('boss').records.delete({ id: temp.id })
      expect(outcome).toEqual({ id: temp.id, entityType: 'cars' })
      expect((await failure(as('boss').records.get({ id: temp.id }))).code).toBe('NOT_FOUND')
      expect((await failure(as('boss').records.delete({ id: temp.id }))).code).toBe('NOT_FOUND')
    })
  })

  describe('a role bound to one entity type', () => {
    beforeAll(async () => {
      await admin().roles.create({
        name: 'car-maker',
        grants: { 'records.create': 'OWNED', 'records.read': 'OWNED' },
      })
      await admin().users.assignRole({ id: ids.carol!, role: 'car-maker', scope: 'entityType:cars' })
    })

    it('applies its generic grants to that type only', async () => {
      const car = await as('carol').records.create({ entityType: 'cars', data: { make: 'Volvo' } })
      expect(car.ownerId).toBe(ids.carol)
      await expect(as('carol').records.get({ id: car.id })).resolves.toMatchObject({ id: car.id })
      const truck = await failure(as('carol').records.create({ entityType: 'trucks', data: {} }))
      expect([truck.code, truck.message]).toEqual(['FORBIDDEN', 'Permission required: trucks.create'])
      const list = await failure(as('carol').records.list({ entityType: 'trucks' }))
      expect(list.message).toBe('Permission required: trucks.read')
      const mine = await as('carol').records.list({})
      expect(mine.items.map((item) => item.id)).toEqual([car.id])
    })

    it('refuses a scope naming no entity type, or not shaped entityType:<name>', async () => {
      const unknown = await failure(
        admin().users.assignRole({ id: ids.carol!, role: 'car-maker', scope: 'entityType:boats' }),
      )
      expect([unknown.code, unknown.message]).toEqual(['NOT_FOUND', 'Entity type not found: boats'])
      const malformed = await failure(
        admin().users.assignRole({ id: ids.carol!, role: 'car-maker', scope: 'cars' as EntityTypeScope }),
      )
      expect(malformed.code).toBe('BAD_REQUEST')
      expect(await admin().users.roles({ id: ids.carol! })).toEqual([
        { role: 'car-maker', protected: false, scope: 'entityType:cars' },
      ])
    })
  })

  describe('access.explain', () => {
    it('names the deciding grant of a per-type permission', async () => {
      const answer = await admin().access.explain({
        userId: ids.alice!,
        permission: entityTypePermission('cars', 'read'),
      })
      expect(answer).toMatchObject({ allowed: true, kind: 'leveled', level: 'OWNED' })
      expect(answer.decidedBy).toMatchObject({ permission: 'cars.read', grant: 'OWNED', scope: null })
      expect(answer.decidedBy?.role).toMatch(/^test-/)
    })

    it('reports a generic records.* grant as the one that decided, by its own permission', async () => {
      const answer = await admin().access.explain({
        userId: ids.boss!,
        permission: entityTypePermission('trucks', 'update'),
      })
      expect(answer).toMatchObject({ allowed: true, level: 'OWNED' })
      expect(answer.decidedBy).toMatchObject({ permission: 'records.update', grant: 'OWNED' })
    })

    it('counts a binding scoped to the type, and only for that type', async () => {
      const cars = await admin().access.explain({
        userId: ids.carol!,
        permission: entityTypePermission('cars', 'create'),
      })
      expect(cars).toMatchObject({ allowed: true, level: 'OWNED' })
      expect(cars.decidedBy).toEqual({
        role: 'car-maker',
        permission: 'records.create',
        grant: 'OWNED',
        scope: 'entityType:cars',
      })
      const trucks = await admin().access.explain({
        userId: ids.carol!,
        permission: entityTypePermission('trucks', 'create'),
      })
      expect(trucks).toMatchObject({ allowed: false, decidedBy: null, grants: [] })
    })

    it('checks a record against the level, and refuses a permission no type declares', async () => {
      const inside = await admin().access.explain({
        userId: ids.alice!,
        permission: entityTypePermission('cars', 'read'),
        recordId: ids.kidCar!,
      })
      expect(inside.allowed).toBe(true)
      const outside = await admin().access.explain({
        userId: ids.alice!,
        permission: entityTypePermission('cars', 'read'),
        recordId: ids.bobCar!,
      })
      expect([outside.allowed, outside.reason]).toEqual([false, 'The record is outside level OWNED'])
      const unknown = await failure(
        admin().access.explain({ userId: ids.alice!, permission: entityTypePermission('cars', 'fly') }),
      )
      expect([unknown.code, unknown.message]).toEqual(['BAD_REQUEST', 'Unknown permission: cars.fly'])
    })
  })

  describe('the audit log', () => {
    it('records each records mutation under the specific permission', async () => {
      const car = await as('alice').records.create({ entityType: 'cars', data: { make: 'Audited' } })
      await as('alice').records.update({ id: car.id, data: { make: 'Audited', amount: 1 } })
      await as('boss').records.delete({ id: car.id })
      const [created] = await auditOf('records.create', ids.alice!)
      expect(created).toMatchObject({ permission: 'cars.create', outcome: 'allowed', error_code: null })
      const [updated] = await auditOf('records.update', ids.alice!)
      expect(updated).toMatchObject({ permission: 'cars.update', outcome: 'allowed', target_id: car.id })
      const [deleted] = await auditOf('records.delete', ids.boss!)
      expect(deleted).toMatchObject({ permission: 'cars.delete', outcome: 'allowed', target_id: car.id })
    })

    it('records a refused call under the permission it lacked', async () => {
      await failure(as('alice').records.create({ entityType: 'trucks', data: {} }))
      const [create] = await auditOf('records.create', ids.alice!)
      expect(create).toMatchObject({
        permission: 'trucks.create',
        outcome: 'denied',
        error_code: 'FORBIDDEN',
      })
      await failure(as('alice').records.delete({ id: ids.kidCar! }))
      const [visible] = await auditOf('records.delete', ids.alice!)
      expect(visible).toMatchObject({ permission: 'cars.delete', outcome: 'denied', error_code: 'FORBIDDEN' })
    })

    it('keeps the generic permission for a record outside every level: its type must not leak', async () => {
      await failure(as('alice').records.update({ id: ids.bobTruck!, data: {} }))
      const [event] = await auditOf('records.update', ids.alice!)
      expect(event).toMatchObject({
        permission: 'records.update',
        outcome: 'denied',
        error_code: 'NOT_FOUND',
        target_id: ids.bobTruck,
      })
    })
  })

  // Last: grants to `public` apply to every caller of this file.
  describe('an anonymous caller', () => {
    beforeAll(async () => {
      await admin().roles.setGrant({
        role: 'public',
        permission: entityTypePermission('trucks', 'read'),
        grant: 'ALL',
      })
    })
    afterAll(async () => {
      await admin().roles.setGrant({
        role: 'public',
        permission: entityTypePermission('trucks', 'read'),
        grant: null,
      })
    })

    it('reads a type the public role reads at ALL, and nothing else', async () => {
      const trucks = await h.callAs(null).records.list({ entityType: 'trucks' })
      expect(trucks.items.map((item) => item.id)).toEqual([ids.bobTruck])
      await expect(h.callAs(null).records.get({ id: ids.bobTruck! })).resolves.toMatchObject({
        entityType: 'trucks',
      })
      const all = await h.callAs(null).records.list({})
      expect(all.items.map((item) => item.entityType)).toEqual(['trucks'])
      const car = await failure(h.callAs(null).records.get({ id: ids.aliceCar! }))
      expect([car.code, car.message]).toEqual(['NOT_FOUND', 'Record not found'])
      const cars = await failure(h.callAs(null).records.list({ entityType: 'cars' }))
      expect(cars.code).toBe('UNAUTHORIZED')
    })

    it('cannot create, update or delete, even where it reads', async () => {
      const create = await failure(h.callAs(null).records.create({ entityType: 'trucks', data: {} }))
      expect(create.code).toBe('UNAUTHORIZED')
      const update = await failure(h.callAs(null).records.update({ id: ids.bobTruck!, data: {} }))
      expect(update.code).toBe('UNAUTHORIZED')
      const remove = await failure(h.callAs(null).records.delete({ id: ids.bobTruck! }))
      expect(remove.code).toBe('UNAUTHORIZED')
    })

    it('gets nothing from a public grant below ALL: SELF needs somebody to be', async () => {
      await admin().roles.setGrant({
        role: 'public',
        permission: entityTypePermission('cars', 'read'),
        grant: 'SELF',
      })
      try {
        const error = await failure(h.callAs(null).records.list({ entityType: 'cars' }))
        expect(error.code).toBe('UNAUTHORIZED')
        // Signed-in callers do get it: a user with no grant of its own reads its own cars.
        const own = await as('loner').records.list({ entityType: 'cars' })
        expect(own.items).toEqual([])
      } finally {
        await admin().roles.setGrant({
          role: 'public',
          permission: entityTypePermission('cars', 'read'),
          grant: null,
        })
      }
    })

    it('lets a public create grant still refuse anonymous creates', async () => {
      await admin().roles.setGrant({
        role: 'public',
        permission: entityTypePermission('trucks', 'create'),
        grant: 'ALL',
      })
      const before = await h.database.db.selectFrom('records').select('id').execute()
      try {
        const error = await failure(h.callAs(null).records.create({ entityType: 'trucks', data: {} }))
        expect([error.code, error.message]).toEqual(['UNAUTHORIZED', 'Invalid or missing credentials'])
        expect(await h.database.db.selectFrom('records').select('id').execute()).toHaveLength(before.length)
      } finally {
        await admin().roles.setGrant({
          role: 'public',
          permission: entityTypePermission('trucks', 'create'),
          grant: null,
        })
      }
    })
  })
})
