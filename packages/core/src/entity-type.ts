import type { PermissionDeclaration } from './permission.js'

/** What every entity type's records support, each its own leveled permission `<type>.<action>`. */
export const RECORD_ACTIONS = ['read', 'create', 'update', 'delete'] as const
export type RecordAction = (typeof RECORD_ACTIONS)[number]

/** The leveled action of adding and removing a record's parties, declared by types with parties. */
export const MANAGE_PARTIES_ACTION = 'manageParties'

/** The most parties (user ids over all names) one record may have. */
export const MAX_PARTIES_PER_RECORD = 100

/** A JSON Schema for a record's data (validated by the API). */
export type JsonSchema = { readonly [keyword: string]: unknown }

/** A named step from some states to one state. */
export interface TransitionDefinition {
  readonly from: readonly string[]
  readonly to: string
  /** Data fields the transition may write as it moves the record (none by default). */
  readonly fields?: readonly string[]
}

/** The states a record of a type moves through; new records start in `initial`. */
export interface StateMachineDefinition {
  readonly initial: string
  readonly transitions: { readonly [transition: string]: TransitionDefinition }
}

/**
 * Users a record involves besides its owner, under one name. A leveled permission on the
 * type reaches a record when its owner or any party counted for that action is within the
 * caller's level.
 */
export interface PartyDefinition {
  readonly description?: string
  /**
   * `'users'`: user ids the writer gives (and may read). `{ reference: field }`: the owner of
   * the record a data field listed in `references` names, kept as the field changes.
   */
  readonly from: 'users' | { readonly reference: string }
  /** Record actions or transition names the party counts for; `['read']` by default. */
  readonly actions?: readonly string[]
  /** `'members'`: the party user's whole subtree is involved too (an organisation's members). */
  readonly reaches?: 'user' | 'members'
}

export type PartiesDefinition = { readonly [party: string]: PartyDefinition }

/** The actions a party counts for: its own list, or reading alone. */
export function partyActions(party: PartyDefinition): readonly string[] {
  return party.actions ?? ['read']
}

export interface EntityTypeDefinition {
  readonly description?: string
  readonly schema: JsonSchema
  readonly stateMachine?: StateMachineDefinition | null
  /**
   * Data fields that hold the id of another record, by the entity type it must be:
   * `{ destinationId: 'destinations' }`. A write must name a record of that type which
   * the writer can read.
   */
  readonly references?: { readonly [field: string]: string } | null
  /** Users the records involve besides their owner, by party name. */
  readonly parties?: PartiesDefinition | null
}

export type EntityTypesConfig = { readonly [entityTypeName: string]: EntityTypeDefinition }

type TransitionsOf<T extends EntityTypeDefinition> =
  NonNullable<T['stateMachine']> extends { transitions: infer R } ? keyof R & string : never

type PartiesActionOf<T extends EntityTypeDefinition> = T extends { readonly parties: infer P }
  ? [NonNullable<P>] extends [never]
    ? never
    : [keyof NonNullable<P>] extends [never]
      ? never
      : typeof MANAGE_PARTIES_ACTION
  : never

/** The permissions a set of entity types declares, as a union of string literals. */
export type EntityTypePermission<T extends EntityTypesConfig> = {
  [N in keyof T & string]: `${N}.${RecordAction | TransitionsOf<T[N]> | PartiesActionOf<T[N]>}`
}[keyof T & string]

/**
 * Declares entity types in code (presets, tests); keeps their names and transitions as
 * literal types so `defineRoles` can check grants on their permissions.
 *
 * @example
 * const types = defineEntityTypes({
 *   charges: {
 *     schema: { type: 'object' },
 *     stateMachine: { initial: 'new', transitions: { start: { from: ['new'], to: 'started' } } },
 *   },
 * }) // permissions: charges.read, charges.create, charges.update, charges.delete, charges.start
 */
export function defineEntityTypes<const T extends EntityTypesConfig>(entityTypes: T): T {
  return entityTypes
}

/** A binding's scope: the records of one entity type (`entityType:cars`). */
export type EntityTypeScope = `entityType:${string}`

/** The scope a role binding names to apply only to records of one entity type. */
export function entityTypeScope(entityTypeName: string): EntityTypeScope {
  return `entityType:${entityTypeName}`
}

/** The entity type a scope names: `entityTypeOfScope('entityType:cars')` is `cars`. */
export function entityTypeOfScope(scope: EntityTypeScope): string {
  return scope.slice('entityType:'.length)
}

/**
 * Every permission an entity type declares, all leveled: its record actions, its
 * transitions, and `manageParties` when it has parties.
 */
export function entityTypePermissions(
  name: string,
  definition: Pick<EntityTypeDefinition, 'stateMachine' | 'parties'>,
): PermissionDeclaration<string>[] {
  const actions = [
    ...RECORD_ACTIONS,
    ...Object.keys(definition.stateMachine?.transitions ?? {}),
    ...(Object.keys(definition.parties ?? {}).length > 0 ? [MANAGE_PARTIES_ACTION] : []),
  ]
  return actions.map((action) => ({ name: `${name}.${action}`, kind: 'leveled' }))
}

/** Every state a machine names: the initial one, then each `from` and `to` in order. */
export function statesOf(machine: StateMachineDefinition): string[] {
  const states = new Set([machine.initial])
  for (const transition of Object.values(machine.transitions)) {
    for (const state of transition.from) states.add(state)
    states.add(transition.to)
  }
  return [...states]
}

const NAME_PATTERN = /^[a-z][a-zA-Z0-9]{0,62}$/
/** A well-formed scope: `entityType:` and a well-formed entity type name. */
export const ENTITY_TYPE_SCOPE_PATTERN = new RegExp(`^entityType:${NAME_PATTERN.source.slice(1)}`)
const STATE_PATTERN = /^[a-z][a-zA-Z0-9_-]{0,62}$/

/**
 * Checks an entity type's name and state machine (not its JSON Schema: the API compiles
 * that). `reservedNames` are resources the API already uses (`users`, `records`, ...): a
 * type named like one would declare the same permissions. Returns one message a problem.
 */
export function findEntityTypeProblems(
  name: string,
  definition: Pick<EntityTypeDefinition, 'stateMachine' | 'references' | 'parties'>,
  reservedNames: ReadonlySet<string>,
): string[] {
  const problems: string[] = []
  if (!NAME_PATTERN.test(name)) {
    problems.push(`"${name}": an entity type name is camelCase letters and digits, starting lowercase`)
  } else if (reservedNames.has(name)) {
    problems.push(`"${name}": the name is taken by the API's own permissions`)
  }
  for (const [field, target] of Object.entries(definition.references ?? {})) {
    if (field.length === 0) problems.push('references: a field name cannot be empty')
    if (!NAME_PATTERN.test(target)) problems.push(`references: "${target}" is not an entity type name`)
  }
  problems.push(...partyProblems(definition))
  const machine = definition.stateMachine
  if (!machine) return problems
  if (!STATE_PATTERN.test(machine.initial)) {
    problems.push(`initial state "${machine.initial}" is not a valid state name`)
  }
  const transitions = Object.entries(machine.transitions)
  if (transitions.length === 0) problems.push('a state machine needs at least one transition')
  for (const [transition, { from, to }] of transitions) {
    if (!NAME_PATTERN.test(transition)) {
      problems.push(`transition "${transition}": a transition name is camelCase letters and digits`)
    } else if ([...RECORD_ACTIONS, MANAGE_PARTIES_ACTION].includes(transition)) {
      problems.push(`transition "${transition}": the name is taken by a record action`)
    }
    if (from.length === 0) problems.push(`transition "${transition}": needs at least one "from" state`)
    for (const state of [...from, to]) {
      if (!STATE_PATTERN.test(state))
        problems.push(`transition "${transition}": "${state}" is not a valid state name`)
    }
  }
  return problems
}

/** What is wrong with a type's parties: their names, their sources, the actions they count for. */
function partyProblems(definition: Pick<EntityTypeDefinition, 'stateMachine' | 'references' | 'parties'>) {
  const problems: string[] = []
  const actions = new Set<string>([
    ...RECORD_ACTIONS,
    MANAGE_PARTIES_ACTION,
    ...Object.keys(definition.stateMachine?.transitions ?? {}),
  ])
  const references = definition.references ?? {}
  for (const [party, { from, actions: counted }] of Object.entries(definition.parties ?? {})) {
    if (!NAME_PATTERN.test(party)) {
      problems.push(`party "${party}": a party name is camelCase letters and digits, starting lowercase`)
    }
    if (typeof from === 'object' && !Object.hasOwn(references, from.reference)) {
      problems.push(`party "${party}": "${from.reference}" is not a field listed in references`)
    }
    if (party === 'owner') problems.push('party "owner": the name is taken by the record\'s owner')
    for (const action of counted ?? []) {
      if (!actions.has(action)) problems.push(`party "${party}": "${action}" is not an action of the type`)
    }
  }
  return problems
}
