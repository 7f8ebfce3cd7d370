import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  defineEntityTypes,
  ENTITY_TYPE_SCOPE_PATTERN,
  type EntityTypePermission,
  entityTypeOfScope,
  entityTypePermissions,
  entityTypeScope,
  findEntityTypeProblems,
  type StateMachineDefinition,
  statesOf,
} from './entity-type.js'

const RESERVED = new Set(['users', 'records', 'roles'])

const payments: StateMachineDefinition = {
  initial: 'new',
  transitions: {
    start: { from: ['new'], to: 'started' },
    execute: { from: ['started'], to: 'executed', fields: ['reference'] },
    reverse: { from: ['executed', 'started'], to: 'reversed' },
  },
}

/** The problems of a type named `name` with `machine`, against the reserved names above. */
const problemsOf = (name: string, machine: StateMachineDefinition | null = null) =>
  findEntityTypeProblems(name, { stateMachine: machine }, RESERVED)

describe('entityTypePermissions', () => {
  it('declares the four record actions, all leveled, for a type without states', () => {
    expect(entityTypePermissions('cars', {})).toEqual([
      { name: 'cars.read', kind: 'leveled' },
      { name: 'cars.create', kind: 'leveled' },
      { name: 'cars.update', kind: 'leveled' },
      { name: 'cars.delete', kind: 'leveled' },
    ])
    expect(entityTypePermissions('cars', { stateMachine: null })).toHaveLength(4)
  })

  it('adds one leveled permission per transition, after the record actions', () => {
    expect(entityTypePermissions('payments', { stateMachine: payments }).map((p) => p.name)).toEqual([
      'payments.read',
      'payments.create',
      'payments.update',
      'payments.delete',
      'payments.start',
      'payments.execute',
      'payments.reverse',
    ])
    expect(
      entityTypePermissions('payments', { stateMachine: payments }).every((p) => p.kind === 'leveled'),
    ).toBe(true)
  })
})

describe('statesOf', () => {
  it('lists the initial state first, then each state once in the order the transitions name it', () => {
    expect(statesOf(payments)).toEqual(['new', 'started', 'executed', 'reversed'])
  })

  it('counts a state reached only as a target, and the initial one even if no transition leaves it', () => {
    expect(statesOf({ initial: 'draft', transitions: { close: { from: ['open'], to: 'closed' } } })).toEqual([
      'draft',
      'open',
      'closed',
    ])
  })
})

describe('entityTypeScope', () => {
  it('is the binding scope that limits a role to one type', () => {
    expect(entityTypeScope('cars')).toBe('entityType:cars')
  })
})

describe('findEntityTypeProblems', () => {
  it('accepts a camelCase name with or without a state machine', () => {
    expect(problemsOf('cars')).toEqual([])
    expect(problemsOf('fleetCars2', payments)).toEqual([])
    // 63 characters is the longest name allowed.
    expect(problemsOf(`a${'b'.repeat(62)}`)).toEqual([])
  })

  it.each(['Cars', '2cars', 'fleet_cars', 'fleet-cars', 'fleet.cars', '', `a${'b'.repeat(63)}`])(
    'refuses the name %j',
    (name) => {
      expect(problemsOf(name)).toEqual([
        `"${name}": an entity type name is camelCase letters and digits, starting lowercase`,
      ])
    },
  )

  it('refuses a name the API already uses for its own permissions', () => {
    expect(problemsOf('users')).toEqual(['"users": the name is taken by the API\'s own permissions'])
    expect(problemsOf('records')).toHaveLength(1)
    // Reserved names are matched exactly.
    expect(problemsOf('usersArchive')).toEqual([])
  })

  it('refuses a transition named like a record action: it would shadow that permission', () => {
    for (const action of ['read', 'create', 'update', 'delete']) {
      const machine = { initial: 'new', transitions: { [action]: { from: ['new'], to: 'done' } } }
      expect(problemsOf('cars', machine)).toEqual([
        `transition "${action}": the name is taken by a record action`,
      ])
    }
  })

  it('refuses a transition without "from" states, and a machine without transitions', () => {
    expect(problemsOf('cars', { initial: 'new', transitions: { go: { from: [], to: 'gone' } } })).toEqual([
      'transition "go": needs at least one "from" state',
    ])
    expect(problemsOf('cars', { initial: 'new', transitions: {} })).toEqual([
      'a state machine needs at least one transition',
    ])
  })

  it('refuses bad state and transition names, naming each', () => {
    const machine = {
      initial: 'New',
      transitions: {
        'go-now': { from: ['new'], to: 'gone' },
        park: { from: ['in motion', 'new'], to: '' },
      },
    }
    expect(problemsOf('cars', machine)).toEqual([
      'initial state "New" is not a valid state name',
      'transition "go-now": a transition name is camelCase letters and digits',
      'transition "park": "in motion" is not a valid state name',
      'transition "park": "" is not a valid state name',
    ])
  })

  it('allows "_" and "-" in state names, which transitions may not use', () => {
    const machine = { initial: 'on_hold', transitions: { resume: { from: ['on_hold'], to: 'in-progress' } } }
    expect(problemsOf('tasks', machine)).toEqual([])
  })

  it('refuses a reference to something that cannot be an entity type name', () => {
    expect(findEntityTypeProblems('cars', { references: { garageId: 'garages' } }, RESERVED)).toEqual([])
    expect(
      findEntityTypeProblems('cars', { references: { garageId: 'Garages!', '': 'sheds' } }, RESERVED),
    ).toEqual([
      'references: "Garages!" is not an entity type name',
      'references: a field name cannot be empty',
    ])
  })

  it('checks parties: their names, the reference they come from, the actions they count for', () => {
    const charges = {
      references: { shopId: 'shops' },
      stateMachine: payments,
      parties: {
        merchant: { from: { reference: 'shopId' }, actions: ['read', 'execute'] },
        watchers: { from: 'users', reaches: 'members' },
      },
    } as const
    expect(findEntityTypeProblems('charges', charges, RESERVED)).toEqual([])
    expect(
      findEntityTypeProblems(
        'charges',
        {
          references: { shopId: 'shops' },
          stateMachine: payments,
          parties: {
            owner: { from: 'users' },
            Bad: { from: { reference: 'data' } },
            merchant: { from: 'users', actions: ['fly', 'manageParties'] },
          },
        },
        RESERVED,
      ),
    ).toEqual([
      'party "owner": the name is taken by the record\'s owner',
      'party "Bad": a party name is camelCase letters and digits, starting lowercase',
      'party "Bad": "data" is not a field listed in references',
      'party "merchant": "fly" is not an action of the type',
    ])
  })

  it('refuses a transition named like the parties action', () => {
    const machine = { initial: 'new', transitions: { manageParties: { from: ['new'], to: 'x' } } }
    expect(problemsOf('tasks', machine)).toEqual([
      'transition "manageParties": the name is taken by a record action',
    ])
  })

  it('reports a bad name and a bad machine together', () => {
    const problems = problemsOf('Bad', { initial: 'new', transitions: { read: { from: [], to: 'x' } } })
    expect(problems).toHaveLength(3)
  })
})

describe('defineEntityTypes', () => {
  it('returns the config as given and keeps its permissions as literal types', () => {
    const config = { charges: { schema: { type: 'object' }, stateMachine: payments } }
    const types = defineEntityTypes({
      shops: { schema: {} },
      charges: {
        schema: { type: 'object' },
        stateMachine: { initial: 'new', transitions: { start: { from: ['new'], to: 'started' } } },
      },
    })
    expect(defineEntityTypes(config)).toBe(config)
    expectTypeOf<EntityTypePermission<typeof types>>().toEqualTypeOf<
      | 'shops.read'
      | 'shops.create'
      | 'shops.update'
      | 'shops.delete'
      | 'charges.read'
      | 'charges.create'
      | 'charges.update'
      | 'charges.delete'
      | 'charges.start'
    >()
  })

  it('adds manageParties to the permissions of a type with parties only', () => {
    const types = defineEntityTypes({
      shares: { schema: {}, parties: { consumers: { from: 'users' } } },
      notes: { schema: {}, parties: null },
    })
    expectTypeOf<EntityTypePermission<typeof types>>().toEqualTypeOf<
      | 'shares.read'
      | 'shares.create'
      | 'shares.update'
      | 'shares.delete'
      | 'shares.manageParties'
      | 'notes.read'
      | 'notes.create'
      | 'notes.update'
      | 'notes.delete'
    >()
    expect(entityTypePermissions('shares', types.shares).map((p) => p.name)).toContain('shares.manageParties')
    expect(entityTypePermissions('notes', types.notes)).toHaveLength(4)
  })
})

describe('entity type scopes', () => {
  it('reads back the entity type a scope names', () => {
    expect(entityTypeOfScope(entityTypeScope('cars'))).toBe('cars')
  })

  // One rule for scopes: a scope names a well-formed entity type name, nothing more.
  it('accepts a scope naming a well-formed type and refuses anything else', () => {
    expect(ENTITY_TYPE_SCOPE_PATTERN.test('entityType:cars')).toBe(true)
    expect(ENTITY_TYPE_SCOPE_PATTERN.test('entityType:')).toBe(false)
    expect(ENTITY_TYPE_SCOPE_PATTERN.test('entityType:Cars')).toBe(false)
    expect(ENTITY_TYPE_SCOPE_PATTERN.test('xentityType:cars')).toBe(false)
    expect(ENTITY_TYPE_SCOPE_PATTERN.test(`entityType:${'a'.repeat(64)}`)).toBe(false)
  })
})
