import { entityTypeScope } from '@trellis/core'
import type { SeedClient, SeedRow } from '../seed-table.js'

/**
 * The BitBroker seed (seeds/bitbroker-users.md) has no permission table, only a paragraph
 * per role: each capability sentence is a line here. `public` is an anonymous caller
 * (no access key): the seed gives it nothing.
 */
export type BitbrokerRole = 'public' | 'coordinator' | 'contributor' | 'consumer'

/**
 * The cast's contributor holds `contributor` bound to `entityType:cars` only; records of
 * both types exist, owned across the tree, so a contributor's OWNED differs from ALL.
 * Each helper makes a fresh target through the coordinator, so rows and roles never
 * depend on one another.
 */
export interface BitbrokerWorld {
  readonly ids: { readonly coordinator: string; readonly contributor: string }
  /** A name no entity type, email or role has yet. */
  unique(prefix: string): string
  /** A fresh car (the contributor's bound type) owned by `ownerId`, by default the contributor. */
  car(ownerId?: string): Promise<string>
  /** A fresh truck owned by the cast's contributor: owning it is not enough, the binding is to cars. */
  truck(): Promise<string>
  /** A fresh entity type with no records, defined by the coordinator. */
  entityType(): Promise<string>
  /** A fresh user under the coordinator, holding `contributor` bound to `scope` when given. */
  user(scope?: string): Promise<string>
  /** Undoes a coordinator binding a row gave away, so the cast keeps exactly one coordinator. */
  dropCoordinator(userId: string): Promise<void>
}

type Row = SeedRow<BitbrokerRole, BitbrokerWorld>

const CAR = { plate: 'AB-123-CD', seats: 5 }
const TRUCK = { plate: 'TR-999-UK', payloadKg: 12_000 }

/** A coordinator-only line: everyone else, anonymous callers included, is denied. */
const COORDINATOR_ONLY = { public: '✗', coordinator: '✔', contributor: '✗', consumer: '✗' } as const
/** A line for the contributor's bound type: the coordinator may too, a consumer may not. */
const CONTRIBUTES = { public: '✗', coordinator: '✔', contributor: '✔', consumer: '✗' } as const

export const bitbrokerSeedTable: readonly Row[] = [
  // Coordinators: "They alone have the ability to perform key tasks such as: defining the
  // entity types which are present, giving permission to contribute data and creating
  // policy which governs data access."
  {
    line: 'Coordinators alone: defining the entity types which are present (define a new one)',
    cells: COORDINATOR_ONLY,
    call: (client, world) =>
      client.entityTypes.create.mutate({
        name: world.unique('sensor'),
        description: 'A type a coordinator defines',
        schema: { type: 'object', properties: { reading: { type: 'number' } } },
      }),
  },
  {
    line: 'Coordinators alone: defining the entity types which are present (change one)',
    cells: COORDINATOR_ONLY,
    call: async (client, world) =>
      client.entityTypes.update.mutate({ name: await world.entityType(), description: 'Changed' }),
  },
  {
    line: 'Coordinators alone: defining the entity types which are present (remove one)',
    cells: COORDINATOR_ONLY,
    call: async (client, world) => client.entityTypes.delete.mutate({ name: await world.entityType() }),
  },
  {
    line: 'Coordinators alone: giving permission to contribute data (bind contributor to entityType:cars)',
    cells: COORDINATOR_ONLY,
    call: async (client, world) =>
      client.users.assignRole.mutate({
        id: await world.user(),
        role: 'contributor',
        scope: 'entityType:cars',
      }),
  },
  {
    line: 'Coordinators alone: giving permission to contribute data (take a contributor binding back)',
    cells: COORDINATOR_ONLY,
    call: async (client, world) =>
      client.users.unassignRole.mutate({
        id: await world.user('entityType:cars'),
        role: 'contributor',
        scope: 'entityType:cars',
      }),
  },
  {
    line: 'Contributors: such rights can only be granted by a coordinator user (grant yourself another type)',
    cells: COORDINATOR_ONLY,
    note: 'Called with the cast contributor as target: a contributor cannot widen its own binding to trucks; the coordinator can (and the binding is removed again).',
    call: async (client, world) => {
      const binding = { id: world.ids.contributor, role: 'contributor', scope: entityTypeScope('trucks') }
      await client.users.assignRole.mutate(binding)
      await client.users.unassignRole.mutate(binding)
    },
  },
  {
    line: 'Coordinator roles should be limited to people to whom you want to grant wide responsibility (make a coordinator)',
    cells: COORDINATOR_ONLY,
    call: async (client, world) => {
      const userId = await world.user()
      await client.users.assignRole.mutate({ id: userId, role: 'coordinator' })
      await world.dropCoordinator(userId)
    },
  },
  // "Later sections ... explain how to create users and grant them such roles."
  {
    line: 'Create users and grant them such roles (create a user)',
    cells: COORDINATOR_ONLY,
    call: (client, world) =>
      client.users.create.mutate({
        email: `${world.unique('user')}@example.com`,
        parentId: world.ids.coordinator,
      }),
  },
  {
    line: 'Create users and grant them such roles (invite a consumer)',
    cells: COORDINATOR_ONLY,
    call: (client, world) =>
      client.invitations.create.mutate({
        email: `${world.unique('invitee')}@example.com`,
        role: 'consumer',
        parentId: world.ids.coordinator,
      }),
  },
  {
    line: 'Create users and grant them such roles (invite a contributor for one entity type, in one call)',
    cells: COORDINATOR_ONLY,
    note: 'The invitation carries the binding contributor @ entityType:cars and makes it on acceptance (the replay accepts one in its own test).',
    call: async (client, world) => {
      const invited = await client.invitations.create.mutate({
        email: `${world.unique('contributor')}@example.com`,
        role: 'contributor',
        scope: entityTypeScope('cars'),
        parentId: world.ids.coordinator,
      })
      if (invited.bindings[0]?.scope !== 'entityType:cars') throw new Error('The binding was not carried')
    },
  },

  // Contributors: "permission to contribute data within the context of a single specified
  // entity type". The cast's contributor is bound to cars.
  {
    line: 'Contributors: contribute data within a single specified entity type (create a car)',
    cells: CONTRIBUTES,
    call: (client) => client.records.create.mutate({ entityType: 'cars', data: CAR }),
  },
  {
    line: 'Contributors: contribute data within a single specified entity type (update its own car)',
    cells: CONTRIBUTES,
    call: async (client, world) =>
      client.records.update.mutate({ id: await world.car(), data: { ...CAR, seats: 2 } }),
  },
  {
    line: 'Contributors: contribute data within a single specified entity type (delete its own car)',
    cells: CONTRIBUTES,
    call: async (client, world) => client.records.delete.mutate({ id: await world.car() }),
  },
  {
    line: 'Contributors: ... a single specified entity type, not another (create a truck)',
    cells: COORDINATOR_ONLY,
    note: 'The contributor holds the same role as for cars, bound to entityType:cars: its grants do not apply to trucks.',
    call: (client) => client.records.create.mutate({ entityType: 'trucks', data: TRUCK }),
  },
  {
    line: 'Contributors: ... a single specified entity type, not another (update a truck it owns)',
    cells: COORDINATOR_ONLY,
    note: 'The truck is owned by the contributor itself: ownership is within OWNED, only the scope denies it.',
    call: async (client, world) =>
      client.records.update.mutate({ id: await world.truck(), data: { ...TRUCK, payloadKg: 1 } }),
  },
  {
    line: 'Contributors: ... a single specified entity type, not another (delete a truck it owns)',
    cells: COORDINATOR_ONLY,
    call: async (client, world) => client.records.delete.mutate({ id: await world.truck() }),
  },

  // Consumers: "the people who will be accessing the data to create their own applications
  // and insights". Contributors read back what they (and the connectors below them) wrote.
  {
    line: 'Consumers: accessing the data (list the cars)',
    cells: { public: '✗', coordinator: '✔', contributor: 'OWNED', consumer: '✔' },
    note: 'The seed does not say contributors read; Trellis lets them read the records of their type they own (OWNED: theirs and their subtree).',
    reads: { entityType: 'cars', level: 'ALL' },
  },
  {
    line: 'Consumers: accessing the data (list the trucks)',
    cells: { public: '✗', coordinator: '✔', contributor: '✗', consumer: '✔' },
    note: 'The contributor is bound to cars: it reads no trucks, not even those it owns.',
    reads: { entityType: 'trucks', level: 'ALL' },
  },
  {
    line: "Consumers: accessing the data (read one car, someone else's)",
    cells: { public: '✗', coordinator: '✔', contributor: '✗', consumer: '✔' },
    note: "A car owned by the coordinator is outside the contributor's OWNED level: NOT_FOUND.",
    call: async (client, world) => client.records.get.query({ id: await world.car(world.ids.coordinator) }),
  },
  {
    line: 'Consumers: accessing the data (see which entity types are present)',
    cells: { public: '✗', coordinator: '✔', contributor: '✔', consumer: '✔' },
    note: 'Not a sentence of its own: reading data of a type needs its name and schema.',
    call: (client: SeedClient) => client.entityTypes.list.query(),
  },
]
