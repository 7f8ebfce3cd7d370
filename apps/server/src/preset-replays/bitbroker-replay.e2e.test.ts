import { randomUUID } from 'node:crypto'
import { type BitbrokerRole, type BitbrokerWorld, bitbrokerSeedTable, CARS_FEED } from '@trellis/api/testing'
import { type EntityTypeScope, policyScope } from '@trellis/core'
import { createTrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callFailure as failure } from '../testing/call-failure.js'
import { type ReplayCast, replaySeedTable } from '../testing/replay/replay-seed-table.js'
import {
  addRoleUser,
  type PresetServer,
  ROLE_USER_PASSWORD,
  type RoleUser,
  startPresetServer,
} from '../testing/replay/replay-world.js'

const CARS_SCHEMA = {
  type: 'object',
  properties: { plate: { type: 'string' }, seats: { type: 'integer', minimum: 1 } },
  required: ['plate'],
  additionalProperties: false,
}
const TRUCKS_SCHEMA = {
  type: 'object',
  properties: { plate: { type: 'string' }, payloadKg: { type: 'number', minimum: 0 } },
  required: ['plate'],
  additionalProperties: false,
}
const CAR = { plate: 'AB-123-CD', seats: 5 }
const TRUCK = { plate: 'TR-999-UK', payloadKg: 12_000 }
const CARS = 'entityType:cars'
const TRUCKS = 'entityType:trucks'

const LAST_COORDINATOR =
  'This would leave the protected role "coordinator" with no active holder: give it to another active user first'

// The BitBroker seed (seeds/bitbroker-users.md) replayed over real HTTP through the SDK:
// the coordinator defines the entity types, binds contributors to one type each, and the
// table's lines plus the seed's other sentences are checked call by call.
describe('BitBroker preset: replaying seeds/bitbroker-users.md', () => {
  let preset: PresetServer
  let cast: ReplayCast<BitbrokerRole, BitbrokerWorld>
  /** coordinator (root) → contributor A (cars) → child of A; → contributor B (trucks); → consumers. */
  let people: {
    coordinator: RoleUser
    contributorA: RoleUser
    childOfA: RoleUser
    contributorB: RoleUser
    consumer: RoleUser
    otherConsumer: RoleUser
  }
  const records: Record<string, string> = {}

  function unique(prefix: string): string {
    return `${prefix}${randomUUID().replaceAll('-', '').slice(0, 12)}`
  }

  async function newUser(scope?: EntityTypeScope): Promise<string> {
    const coordinatorId = preset.adminId
    const user = await preset.admin.users.create.mutate({
      email: `${unique('person')}@example.com`,
      parentId: coordinatorId,
    })
    preset.tree.set(user.id, coordinatorId)
    if (scope) await preset.admin.users.assignRole.mutate({ id: user.id, role: 'contributor', scope })
    return user.id
  }

  async function newRecord(entityType: string, ownerId: string, data: Record<string, unknown>) {
    return (await preset.admin.records.create.mutate({ entityType, ownerId, data })).id
  }

  async function coordinators(): Promise<string[]> {
    const page = await preset.admin.users.list.query({ role: 'coordinator', limit: 200 })
    return page.items.map((user) => user.id).sort()
  }

  beforeAll(async () => {
    preset = await startPresetServer('bitbroker')
    const { admin } = preset
    // The preset starts with no entity types: coordinators define them.
    expect(await admin.entityTypes.list.query()).toEqual({ items: [], nextCursor: null })
    await admin.entityTypes.create.mutate({ name: 'cars', description: 'Cars', schema: CARS_SCHEMA })
    await admin.entityTypes.create.mutate({ name: 'trucks', description: 'Trucks', schema: TRUCKS_SCHEMA })

    // The consumers' policy (cars with at least 4 seats, without their plate) and another one.
    const policies = { feed: unique('carsfeed'), other: unique('trucksfeed') }
    await admin.policies.create.mutate({ name: policies.feed, ...CARS_FEED })
    await admin.policies.create.mutate({ name: policies.other, types: { trucks: {} } })

    const root = preset.adminId
    const contributorA = await addRoleUser(preset, {
      name: 'contributor-a',
      parentId: root,
      role: 'contributor',
      scope: CARS,
    })
    const [childOfA, contributorB, consumer] = await Promise.all([
      addRoleUser(preset, { name: 'child-of-a', parentId: contributorA.id }),
      addRoleUser(preset, { name: 'contributor-b', parentId: root, role: 'contributor', scope: TRUCKS }),
      addRoleUser(preset, {
        name: 'consumer',
        parentId: root,
        role: 'consumer',
        scope: policyScope(policies.feed),
      }),
    ])
    const otherConsumer = await addRoleUser(preset, {
      name: 'consumer-2',
      parentId: consumer.id,
      role: 'consumer',
      scope: policyScope(policies.feed),
    })
    people = {
      coordinator: preset.adminUser,
      contributorA,
      childOfA,
      contributorB,
      consumer,
      otherConsumer,
    }

    // Records of both types across the tree, so OWNED (A and its child) differs from ALL.
    // Contributors write their own through the SDK; A also writes one for the connector below it.
    records.carOfA = (await contributorA.client.records.create.mutate({ entityType: 'cars', data: CAR })).id
    records.carOfChild = (
      await contributorA.client.records.create.mutate({ entityType: 'cars', ownerId: childOfA.id, data: CAR })
    ).id
    records.truckOfB = (
      await contributorB.client.records.create.mutate({ entityType: 'trucks', data: TRUCK })
    ).id
    records.carOfCoordinator = await newRecord('cars', root, CAR)
    // Outside the consumers' policy: fewer than 4 seats.
    records.twoSeaterOfCoordinator = await newRecord('cars', root, { ...CAR, seats: 2 })
    records.carOfB = await newRecord('cars', contributorB.id, CAR)
    records.carOfConsumer = await newRecord('cars', otherConsumer.id, CAR)
    records.truckOfA = await newRecord('trucks', contributorA.id, TRUCK)
    records.truckOfChild = await newRecord('trucks', childOfA.id, TRUCK)
    records.truckOfCoordinator = await newRecord('trucks', root, TRUCK)

    const world: BitbrokerWorld = {
      ids: { coordinator: root, contributor: contributorA.id },
      policies,
      policy: async () =>
        (await admin.policies.create.mutate({ name: unique('probe'), types: { cars: {} } })).name,
      unique,
      car: (ownerId = contributorA.id) => newRecord('cars', ownerId, CAR),
      truck: () => newRecord('trucks', contributorA.id, TRUCK),
      entityType: async () =>
        (
          await admin.entityTypes.create.mutate({
            name: unique('probe'),
            schema: { type: 'object' },
          })
        ).name,
      user: newUser,
      dropCoordinator: async (userId) => {
        await admin.users.unassignRole.mutate({ id: userId, role: 'coordinator' })
      },
    }
    cast = {
      preset,
      users: { public: null, coordinator: people.coordinator, contributor: contributorA, consumer },
      world,
    }
  })
  afterAll(() => preset?.stop())

  describe('the seed, line by line', () => {
    replaySeedTable(bitbrokerSeedTable, () => cast)
  })

  it('Contributors: a record outside the level is NOT_FOUND, as one that does not exist', async () => {
    const b = people.contributorB.client
    const notFound = { code: 'NOT_FOUND', message: 'Record not found' }
    // B contributes trucks; A's car is neither of its type nor within its level.
    expect(await failure(b.records.get.query({ id: records.carOfA! }))).toEqual(notFound)
    expect(await failure(b.records.get.query({ id: randomUUID() }))).toEqual(notFound)
    expect(await failure(b.records.update.mutate({ id: records.carOfA!, data: CAR }))).toEqual(notFound)
    expect(await failure(b.records.delete.mutate({ id: records.carOfA! }))).toEqual(notFound)
    // A truck of A's is of B's type but outside B's OWNED level: NOT_FOUND too.
    expect(await failure(b.records.get.query({ id: records.truckOfA! }))).toEqual(notFound)
    expect((await b.records.get.query({ id: records.truckOfB! })).ownerId).toBe(people.contributorB.id)
    // A reads the car of the connector below it (OWNED), not B's car nor its own truck.
    const a = people.contributorA.client
    expect((await a.records.get.query({ id: records.carOfChild! })).ownerId).toBe(people.childOfA.id)
    expect(await failure(a.records.get.query({ id: records.carOfB! }))).toEqual(notFound)
    expect(await failure(a.records.get.query({ id: records.truckOfA! }))).toEqual(notFound)
  })

  it('Contributors: a person contributing to many entity types adopts multiple, different contributor roles', async () => {
    const both = await addRoleUser(preset, {
      name: 'two-connectors',
      parentId: preset.adminId,
      role: 'contributor',
      scope: CARS,
    })
    await preset.admin.users.assignRole.mutate({ id: both.id, role: 'contributor', scope: TRUCKS })
    const bindings = await preset.admin.users.roles.query({ id: both.id })
    expect(bindings.sort((x, y) => String(x.scope).localeCompare(String(y.scope)))).toEqual([
      { role: 'contributor', protected: false, scope: CARS },
      { role: 'contributor', protected: false, scope: TRUCKS },
    ])
    const car = await both.client.records.create.mutate({ entityType: 'cars', data: CAR })
    const truck = await both.client.records.create.mutate({ entityType: 'trucks', data: TRUCK })
    expect([car.ownerId, truck.ownerId]).toEqual([both.id, both.id])
    await both.client.records.update.mutate({ id: truck.id, data: { ...TRUCK, payloadKg: 5 } })

    // One binding goes; the other stays. It takes effect on the very next call.
    await preset.admin.users.unassignRole.mutate({ id: both.id, role: 'contributor', scope: TRUCKS })
    expect(await failure(both.client.records.create.mutate({ entityType: 'trucks', data: TRUCK }))).toEqual({
      code: 'FORBIDDEN',
      message: 'Permission required: trucks.create',
    })
    expect((await failure(both.client.records.get.query({ id: truck.id }))).code).toBe('NOT_FOUND')
    expect(await failure(both.client.records.list.query({ entityType: 'trucks' }))).toEqual({
      code: 'FORBIDDEN',
      message: 'Permission required: trucks.read',
    })
    await both.client.records.update.mutate({ id: car.id, data: { ...CAR, seats: 7 } })
    expect((await both.client.records.list.query({ entityType: 'cars' })).items.map((r) => r.id)).toEqual([
      car.id,
    ])
    // Unassigning a binding the user does not hold (any more) says so.
    expect(
      await failure(
        preset.admin.users.unassignRole.mutate({ id: both.id, role: 'contributor', scope: TRUCKS }),
      ),
    ).toEqual({ code: 'NOT_FOUND', message: 'The user does not hold this role' })
  })

  // The preset grants these to `contributor`, which is only ever bound scoped (entityType:<name>).
  it('Contributors: a contributor bound to one entity type reads itself and that type, and changes its password', async () => {
    const contributor = await addRoleUser(preset, {
      name: 'password-changer',
      parentId: preset.adminId,
      role: 'contributor',
      scope: CARS,
    })
    expect((await contributor.client.users.get.query({ id: contributor.id })).id).toBe(contributor.id)
    expect((await contributor.client.entityTypes.get.query({ name: 'cars' })).name).toBe('cars')
    await contributor.client.auth.changePassword.mutate({
      currentPassword: ROLE_USER_PASSWORD,
      newPassword: 'another good long password',
    })
  })

  it('Contributors: a binding to an unknown or malformed scope is refused with a clear message', async () => {
    const userId = await newUser()
    expect(
      await failure(
        preset.admin.users.assignRole.mutate({ id: userId, role: 'contributor', scope: 'entityType:nope' }),
      ),
    ).toEqual({ code: 'NOT_FOUND', message: 'Entity type not found: nope' })
    // Typed as scopes so the server, not the compiler, refuses them.
    for (const scope of [
      'cars',
      'entitytype:cars',
      'entityType:',
      'entityType:Cars',
      'entityType:cars!',
    ] as EntityTypeScope[]) {
      const error = await failure(
        preset.admin.users.assignRole.mutate({ id: userId, role: 'contributor', scope }),
      )
      expect(error, scope).toEqual({
        code: 'BAD_REQUEST',
        message: 'Invalid input: scope: A scope is entityType:<name> or policy:<name>',
      })
    }
    expect(await preset.admin.users.roles.query({ id: userId })).toEqual([])
  })

  it('Coordinators: invite a contributor for one entity type in one call; accepting makes the binding', async () => {
    const email = `${unique('invitee')}@example.com`
    const invited = await preset.admin.invitations.create.mutate({
      email,
      role: 'contributor',
      scope: CARS,
      parentId: preset.adminId,
    })
    expect(invited.bindings).toEqual([{ role: 'contributor', scope: CARS }])
    expect(await preset.admin.users.roles.query({ id: invited.user.id })).toEqual([])

    const token = await preset.server.mail.latestMatch(preset.server.database.db, email, /tri_[A-Za-z0-9_-]+/)
    await preset.anonymous.invitations.accept.mutate({ token, password: ROLE_USER_PASSWORD })
    expect(await preset.admin.users.roles.query({ id: invited.user.id })).toEqual([
      { role: 'contributor', protected: false, scope: CARS },
    ])
    const contributor = createTrellisClient({ url: preset.server.trpcUrl })
    await contributor.auth.login.mutate({ email, password: ROLE_USER_PASSWORD })
    await expect(contributor.records.create.mutate({ entityType: 'cars', data: CAR })).resolves.toMatchObject(
      {
        ownerId: invited.user.id,
      },
    )
    expect(await failure(contributor.records.create.mutate({ entityType: 'trucks', data: TRUCK }))).toEqual({
      code: 'FORBIDDEN',
      message: 'Permission required: trucks.create',
    })
    // A contributor invites nobody, not even for its own type.
    expect(
      (
        await failure(
          people.contributorA.client.invitations.create.mutate({
            email: `${unique('nope')}@example.com`,
            role: 'contributor',
            scope: CARS,
            parentId: people.contributorA.id,
          }),
        )
      ).code,
    ).toBe('FORBIDDEN')
    // An unknown type is the caller's mistake, named at its path.
    expect(
      await failure(
        preset.admin.invitations.create.mutate({
          email: `${unique('nope')}@example.com`,
          role: 'contributor',
          scope: 'entityType:boats',
          parentId: preset.adminId,
        }),
      ),
    ).toEqual({ code: 'BAD_REQUEST', message: 'Invalid input: scope: No entity type named boats' })
  })

  it('Coordinators: an entity type with records cannot be removed; one without goes with its bindings', async () => {
    const refused = await failure(preset.admin.entityTypes.delete.mutate({ name: 'trucks' }))
    expect(refused.code).toBe('CONFLICT')
    expect(refused.message).toMatch(/^Entity type trucks still has \d+ record\(s\): delete them first$/)
    expect((await preset.admin.entityTypes.get.query({ name: 'trucks' })).name).toBe('trucks')
    expect((await people.contributorB.client.records.get.query({ id: records.truckOfB! })).id).toBe(
      records.truckOfB,
    )

    const vans = await preset.admin.entityTypes.create.mutate({
      name: unique('vans'),
      schema: { type: 'object' },
    })
    const userId = await newUser(`entityType:${vans.name}`)
    expect(await preset.admin.entityTypes.delete.mutate({ name: vans.name })).toEqual({
      name: vans.name,
      removedBindings: 1,
    })
    expect(await preset.admin.users.roles.query({ id: userId })).toEqual([])
  })

  // Last: it moves the coordinator role around (and gives it back).
  it('Coordinators: there can never be zero Coordinators (the system will prevent you from deleting the last Coordinator)', async () => {
    const { admin, adminId } = preset
    expect(await coordinators()).toEqual([adminId])
    const lastOne = { code: 'CONFLICT', message: LAST_COORDINATOR }
    expect(await failure(admin.users.unassignRole.mutate({ id: adminId, role: 'coordinator' }))).toEqual(
      lastOne,
    )
    // Someone allowed to delete and deactivate users (a role the coordinator defines) still cannot.
    await admin.roles.create.mutate({
      name: 'user-admin',
      grants: { 'users.read': 'ALL', 'users.delete': 'ALL', 'users.deactivate': 'ALL' },
    })
    const userAdmin = await addRoleUser(preset, { name: 'user-admin', parentId: adminId, role: 'user-admin' })
    expect(await failure(userAdmin.client.users.delete.mutate({ id: adminId }))).toEqual(lastOne)
    expect(await failure(userAdmin.client.users.deactivate.mutate({ id: adminId }))).toEqual(lastOne)
    expect(await coordinators()).toEqual([adminId])
    expect((await admin.auth.me.query()).status).toBe('active')

    // With a second coordinator, the first may lose the role, at once.
    const second = await addRoleUser(preset, {
      name: 'coordinator-2',
      parentId: adminId,
      role: 'coordinator',
    })
    expect(await coordinators()).toEqual([adminId, second.id].sort())
    await second.client.users.unassignRole.mutate({ id: adminId, role: 'coordinator' })
    expect(
      await failure(admin.entityTypes.create.mutate({ name: unique('late'), schema: { type: 'object' } })),
    ).toMatchObject({ code: 'FORBIDDEN' })
    // Now the second one is the last: it cannot drop its role, nor be deleted or deactivated.
    expect(
      await failure(second.client.users.unassignRole.mutate({ id: second.id, role: 'coordinator' })),
    ).toEqual(lastOne)
    expect(await failure(userAdmin.client.users.delete.mutate({ id: second.id }))).toEqual(lastOne)
    expect(await failure(userAdmin.client.users.deactivate.mutate({ id: second.id }))).toEqual(lastOne)

    // Give it back: then the second may go entirely.
    await second.client.users.assignRole.mutate({ id: adminId, role: 'coordinator' })
    await userAdmin.client.users.delete.mutate({ id: second.id })
    expect(await coordinators()).toEqual([adminId])
    expect((await admin.entityTypes.list.query()).items.map((type) => type.name)).toContain('cars')
  })
})
