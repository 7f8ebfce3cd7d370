import { isDeepStrictEqual } from 'node:util'
import { entityTypeScope, type PolicyFilter, policyScope } from '@trellis/core'
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
  /**
   * The cast's policies: `feed` (the consumer's, bound `policy:<feed>`: CARS_FEED) and
   * `other` (trucks, held by nobody in the cast).
   */
  readonly policies: { readonly feed: string; readonly other: string }
  /** A fresh policy over cars, defined by the coordinator, held by nobody. */
  policy(): Promise<string>
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

/** The terms the cast's consumer reads cars under ("how they can access and use it"). */
export const FEED_LEGAL = {
  attribution: 'Fleet data © the coordinator',
  licence: 'CC BY-NC 4.0',
  contact: 'data@example.com',
  notes: [{ text: 'Licence', link: 'https://creativecommons.org/licenses/by-nc/4.0/' }],
}

/** The cast consumer's policy: cars with at least 4 seats, without their plate. */
export const CARS_FEED = {
  types: { cars: { filter: { field: 'seats', range: { gte: 4 } } as PolicyFilter, masks: ['plate'] } },
  legal: FEED_LEGAL,
}

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
  {
    line: 'Coordinators alone: creating policy which governs data access (define a policy)',
    cells: COORDINATOR_ONLY,
    call: (client, world) =>
      client.policies.create.mutate({
        name: world.unique('feed'),
        description: 'A policy a coordinator defines',
        types: { cars: { filter: { field: 'seats', eq: 2 }, masks: ['plate'] } },
        quota: { calls: 1000, period: 'day' },
        legal: { licence: 'CC0' },
      }),
  },
  {
    line: 'Coordinators alone: creating policy which governs data access (change one: disable it)',
    cells: COORDINATOR_ONLY,
    call: async (client, world) =>
      client.policies.update.mutate({ name: await world.policy(), enabled: false }),
  },
  {
    line: 'Coordinators alone: creating policy which governs data access (remove one)',
    cells: COORDINATOR_ONLY,
    call: async (client, world) => client.policies.delete.mutate({ name: await world.policy() }),
  },
  {
    line: 'Coordinators alone: creating policy which governs data access (bind a consumer to a policy)',
    cells: COORDINATOR_ONLY,
    call: async (client, world) =>
      client.users.assignRole.mutate({
        id: await world.user(),
        role: 'consumer',
        scope: policyScope(world.policies.feed),
      }),
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
    line: 'Create users and grant them such roles (invite a consumer, bound to a policy)',
    cells: COORDINATOR_ONLY,
    note: 'A consumer reads only through policies: its invitation carries the binding consumer @ policy:<name>.',
    call: async (client, world) => {
      const invited = await client.invitations.create.mutate({
        email: `${world.unique('invitee')}@example.com`,
        role: 'consumer',
        scope: policyScope(world.policies.feed),
        parentId: world.ids.coordinator,
      })
      if (invited.bindings[0]?.scope !== policyScope(world.policies.feed))
        throw new Error('The binding was not carried')
    },
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
  // "Consumers access data only ever in the context of a policy declaration which defines
  // what data they can see and how they can access and use it." The cast's consumer holds
  // `consumer` bound to its policy (CARS_FEED) and nothing else.
  {
    line: 'Consumers: only ever in the context of a policy declaration which defines what data they can see (list the cars through it)',
    cells: { public: '✗', coordinator: '✔', contributor: '✗', consumer: '✔' },
    note: 'Checks every car returned has at least 4 seats and no plate. The coordinator holds policies.read and reads through any policy; the contributor holds neither a binding to it nor policies.read: NOT_FOUND.',
    call: async (client, world) => {
      const page = await client.records.list.query({ entityType: 'cars', policy: world.policies.feed })
      if (page.items.length === 0) throw new Error('The policy served no car')
      for (const car of page.items)
        if ('plate' in car.data || Number(car.data.seats) < 4) throw new Error('A car outside the policy')
    },
  },
  {
    line: 'Consumers: only ever in the context of a policy declaration (read one car through it)',
    cells: { public: '✗', coordinator: '✔', contributor: '✗', consumer: '✔' },
    call: async (client, world) => {
      const car = await client.records.get.query({
        id: await world.car(world.ids.coordinator),
        policy: world.policies.feed,
      })
      if ('plate' in car.data) throw new Error('The masked plate was returned')
    },
  },
  {
    line: 'Consumers: only ever in the context of a policy declaration, not without one (list the cars)',
    cells: { public: '✗', coordinator: '✔', contributor: 'OWNED', consumer: '✗' },
    note: "The consumer's binding is scoped to its policy: its grant counts for reads naming that policy only (FORBIDDEN). The seed does not say contributors read; Trellis lets them read the records of their type they own (OWNED: theirs and their subtree).",
    reads: { entityType: 'cars', level: 'ALL' },
  },
  {
    line: 'Consumers: only ever in the context of a policy declaration, not without one (list the trucks)',
    cells: { public: '✗', coordinator: '✔', contributor: '✗', consumer: '✗' },
    note: 'The contributor is bound to cars: it reads no trucks, not even those it owns.',
    reads: { entityType: 'trucks', level: 'ALL' },
  },
  {
    line: "Consumers: only ever in the context of a policy declaration, not without one (read one car, someone else's)",
    cells: { public: '✗', coordinator: '✔', contributor: '✗', consumer: '✗' },
    note: "A car owned by the coordinator is outside the contributor's OWNED level: NOT_FOUND.",
    call: async (client, world) => client.records.get.query({ id: await world.car(world.ids.coordinator) }),
  },
  {
    line: "Consumers: only ever in the context of a policy declaration, not another's (list the trucks through it)",
    cells: COORDINATOR_ONLY,
    note: 'The consumer holds no binding to that policy: NOT_FOUND, as for a policy that does not exist.',
    call: (client, world) =>
      client.records.list.query({ entityType: 'trucks', policy: world.policies.other }),
  },
  {
    line: 'Consumers: ... and how they can access and use it (the legal context comes with the data)',
    cells: { public: '✗', coordinator: '✔', contributor: '✗', consumer: '✔' },
    call: async (client, world) => {
      const page = await client.records.list.query({ entityType: 'cars', policy: world.policies.feed })
      const terms = page.policy
      if (!isDeepStrictEqual(terms, { name: world.policies.feed, legal: FEED_LEGAL }))
        throw new Error(`Not the policy's terms: ${JSON.stringify(terms)}`)
    },
  },
  {
    line: 'Consumers: ... a policy declaration which defines what data they can see (see its policies and counters)',
    cells: { public: '✗', coordinator: '✔', contributor: '✔', consumer: '✔' },
    note: 'Not a sentence of its own: policies.mine shows a signed-in caller the policies it holds (none for the coordinator and contributor), with their types, masks, terms and its counters.',
    call: (client: SeedClient) => client.policies.mine.query(),
  },
  {
    line: 'Consumers: accessing the data (see which entity types are present)',
    cells: { public: '✗', coordinator: '✔', contributor: '✔', consumer: '✗' },
    note: 'Not a sentence of its own. A consumer learns the types it may read, and their masks, from policies.mine: its binding is scoped to a policy and grants it nothing outside reads through it.',
    call: (client: SeedClient) => client.entityTypes.list.query(),
  },
]
