import type { EntityTypesConfig } from '@trellis/core'
import type { RecordView } from '../records/record-view.js'

/** The record a transition moves, as its effects see it: already in its new state. */
export interface TransitioningRecord extends RecordView {
  /** The state the record was in before this transition. */
  readonly previousStatus: string | null
  /** The data before this transition wrote its fields (equal to `data` when it wrote none). */
  readonly previousData: Record<string, unknown>
}

/** Someone a record involves besides its owner, under the name its type gives them (`merchant`). */
export interface RecordParty {
  readonly name: string
  readonly userId: string
}

/** Which records `EffectRecords.find` returns: all the conditions hold. */
export interface EffectRecordFilter {
  /** The owner, or any of several owners. */
  readonly ownerId?: string | readonly string[]
  /** Data fields and the values they must hold (JSON containment: `{ currency: 'EUR' }`). */
  readonly data?: Record<string, unknown>
}

export interface EffectLookupOptions {
  /**
   * Lock the rows found until the transaction ends (`FOR UPDATE`), in id order: effects
   * that lock what they read before deciding on it cannot race, and, locking in one order,
   * cannot deadlock one another.
   */
  readonly lock?: boolean
}

/**
 * Other records, as trusted code reaches them: every record, whatever the caller may
 * read or write. Each write is checked against its type's schema and references (any
 * existing record of the right type) and audited as part of the transition.
 */
export interface EffectRecords {
  /** A record of `entityType` by id; undefined if there is none of that type. */
  get(entityType: string, id: string, options?: EffectLookupOptions): Promise<RecordView | undefined>
  /** The records of `entityType` that match, in id order. */
  find(entityType: string, filter: EffectRecordFilter, options?: EffectLookupOptions): Promise<RecordView[]>
  /** Replaces a record's data, as `records.update` does. */
  update(id: string, data: Record<string, unknown>): Promise<RecordView>
  /** A new record of `entityType` owned by `ownerId`, in its type's initial state. */
  create(entityType: string, record: { ownerId: string; data: Record<string, unknown> }): Promise<RecordView>
}

/** What an effect is given: the record, the caller, other records, and a way to say no. */
export interface TransitionEffectContext {
  readonly record: TransitioningRecord
  /** The transition's name (`execute`). */
  readonly transition: string
  /** The caller; null for an anonymous one (only ever through a grant at ALL). */
  readonly actor: { readonly id: string } | null
  /** The record's parties (none until an entity type declares parties). */
  parties(): Promise<readonly RecordParty[]>
  readonly records: EffectRecords
  /**
   * Fails the transition with PRECONDITION_FAILED (`reason: TRANSITION_REFUSED`) and this
   * message: nothing of the transition, its effects or their audit is kept.
   */
  refuse(message: string): never
}

/** Code run with one transition, in its transaction. */
export type TransitionEffect = (context: TransitionEffectContext) => Promise<void>

/** A type's transitions by name; never without a state machine. */
type TransitionsOf<D> = D extends { readonly stateMachine?: infer M }
  ? NonNullable<M> extends { readonly transitions: infer R }
    ? R
    : never
  : never

/**
 * Effects by entity type and transition name, checked against the entity types' config.
 * (Keys from `keyof` the transitions, not a conditional type: TypeScript then still types
 * each effect's parameter where the call infers `T`.)
 */
export type TransitionEffectHooks<T extends EntityTypesConfig> = {
  readonly [N in keyof T]?: [TransitionsOf<T[N]>] extends [never]
    ? never
    : { readonly [X in keyof TransitionsOf<T[N]>]?: TransitionEffect }
}

/** A registration of effects (a preset's, a host's): look one up by type and transition. */
export interface TransitionEffects {
  effectFor(entityType: string, transition: string): TransitionEffect | undefined
}

/**
 * Registers effects for transitions of `entityTypes`; a misspelt type or transition does
 * not compile. Give the result to a preset (`Preset.effects`) or to the API
 * (`ApiDependencies.effects`).
 *
 * @example
 * const effects = defineTransitionEffects(orbEntityTypes, {
 *   charges: {
 *     execute: async ({ record, records, refuse }) => {
 *       const [balance] = await records.find('balances', { ownerId: record.ownerId }, { lock: true })
 *       if (!balance) refuse('The payer has no balance')
 *     },
 *   },
 * })
 */
export function defineTransitionEffects<const T extends EntityTypesConfig>(
  _entityTypes: T,
  hooks: TransitionEffectHooks<NoInfer<T>>,
): TransitionEffects {
  const byType = hooks as Record<string, Record<string, TransitionEffect | undefined> | undefined>
  return {
    effectFor: (entityType, transition) => {
      // Own keys only: no transition is called `constructor`.
      const forType = Object.hasOwn(byType, entityType) ? byType[entityType] : undefined
      return forType && Object.hasOwn(forType, transition) ? forType[transition] : undefined
    },
  }
}
