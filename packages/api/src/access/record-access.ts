import {
  entityTypeScope,
  isLevel,
  type Level,
  type PolicyFilter,
  partyActions,
  policyScope,
} from '@trellis/core'
import {
  type Actor,
  type CountedParties,
  ownerWithinLevel,
  policyFilterCondition,
  recordPartyWithinLevel,
  recordWithinLevel,
  type StoredEntityType,
  type TrellisDatabase,
} from '@trellis/db'
import { type Expression, type SqlBool, sql } from 'kysely'
import type { AccessSnapshot, CallerFacts } from './access-snapshot.js'

/** Where a caller may act on records of one type: a level, who it is relative to, and why. */
export interface RecordGrant {
  /** Null for an anonymous caller, who only ever gets level ALL (from the `public` role). */
  readonly actor: Actor | null
  readonly level: Level
  /** The permission this grant decides: `<entityType>.<action>` (`shares.read`). */
  readonly permission: string
  /** The record action or transition name it is for: the parties that count are those listed for it. */
  readonly action: string
  /** For a read through a policy: the policy's terms for this type, which narrow the records and their data. */
  readonly policy?: PolicyTypeTerms
}

/** What a policy says of one entity type of its segment. */
export interface PolicyTypeTerms {
  readonly name: string
  /** Null: every record of the type within the reader's level. */
  readonly filter: PolicyFilter | null
  /** Data fields removed from every record read through the policy. */
  readonly masks: readonly string[]
}

/** A policy as a read through it needs it: its name and, per entity type of its segment, its terms. */
export interface PolicySegment {
  readonly name: string
  readonly types: ReadonlyMap<string, PolicyTypeTerms>
}

/**
 * A caller's record permissions, decided per entity type: for `action` on records of type
 * `T`, the snapshot's decision of `T.<action>` (which the generic `records.<action>` and
 * bindings scoped to `entityType:T` also grant).
 */
export class RecordAccess {
  constructor(
    private readonly snapshot: AccessSnapshot,
    private readonly caller: CallerFacts | null,
    /** Set for reads through a policy: only its types are read, under its scope and terms. */
    private readonly segment: PolicySegment | null = null,
  ) {}

  /**
   * The same caller reading through a policy: `read` on a type of its segment is decided over
   * the bindings unscoped, scoped to the type or to this policy, and every other grant is none.
   */
  throughPolicy(segment: PolicySegment): RecordAccess {
    return new RecordAccess(this.snapshot, this.caller, segment)
  }

  /** Whether the caller may open policy `name`: it holds a binding scoped to it, or `policies.read`. */
  seesPolicy(name: string): boolean {
    return (
      this.snapshot.holdsBindingScoped(this.caller, policyScope(name)) ||
      this.snapshot.decide(this.caller, 'policies.read') === true
    )
  }

  get actor(): Actor | null {
    return this.caller ? { id: this.caller.id, path: this.caller.path } : null
  }

  /** Whether the caller is anonymous: refusals then ask for credentials, not a permission. */
  get anonymous(): boolean {
    return this.caller === null
  }

  /** Every entity type, as the snapshot these permissions come from knows them. */
  entityTypes(db: TrellisDatabase): Promise<StoredEntityType[]> {
    return this.snapshot.entityTypes(db)
  }

  /** The grant for `action` (a record action or a transition name) on type `entityType`, if any. */
  recordGrant(entityType: string, action: string): RecordGrant | undefined {
    const permission = `${entityType}.${action}`
    const terms = this.segment?.types.get(entityType)
    // A policy serves reads of its own types only.
    if (this.segment && (action !== 'read' || !terms)) return undefined
    const level = this.snapshot.decide(this.caller, permission, null, this.segment?.name ?? null)
    if (!isLevel(level)) return undefined
    const actor = this.actor
    // Levels other than ALL are relative to a user; an anonymous caller has none.
    if (actor === null && level !== 'ALL') return undefined
    return terms ? { actor, level, permission, action, policy: terms } : { actor, level, permission, action }
  }

  /**
   * Where the caller reads users (`users.read`), if it does: a record's parties are users
   * its writer can read.
   */
  usersReadGrant(): { readonly actor: Actor; readonly level: Level } | undefined {
    const level = this.snapshot.decide(this.caller, 'users.read')
    const actor = this.actor
    return isLevel(level) && actor !== null ? { actor, level } : undefined
  }

  /** Whether the caller holds a boolean permission for one entity type (scoped bindings count). */
  holds(permission: string, entityType: string): boolean {
    return this.snapshot.decide(this.caller, permission, entityTypeScope(entityType)) === true
  }
}

/**
 * The one filter every records query applies, for records of `type`: the owner or any
 * party the type counts for the grant's action within the grant's level
 * (`recordWithinLevel`). A type without such parties filters on the owner alone.
 */
export function recordsWithin(
  grant: RecordGrant,
  type: Pick<StoredEntityType, 'parties'>,
): Expression<SqlBool> {
  return withPolicyFilter(
    grant,
    // An anonymous caller is only ever at level ALL.
    grant.actor === null
      ? sql<SqlBool>`true`
      : recordWithinLevel(grant.actor, grant.level, countedParties(type, grant.action)),
  )
}

/** `condition`, and the filter of the policy the grant reads through, if it has one. */
function withPolicyFilter(grant: RecordGrant, condition: Expression<SqlBool>): Expression<SqlBool> {
  const filter = grant.policy?.filter
  return filter ? sql<SqlBool>`(${condition} and ${policyFilterCondition(filter)})` : condition
}

/**
 * `recordsWithin` in its two halves, for a page that reads them as separate branches: the
 * owner within the grant's level, and a counted party within it (undefined when none can be).
 */
export function recordsWithinByHalf(
  grant: RecordGrant,
  type: Pick<StoredEntityType, 'parties'>,
): { readonly owner: Expression<SqlBool>; readonly party: Expression<SqlBool> | undefined } {
  if (grant.actor === null) return { owner: withPolicyFilter(grant, sql<SqlBool>`true`), party: undefined } // only ever at level ALL
  const party = recordPartyWithinLevel(grant.actor, grant.level, countedParties(type, grant.action))
  return {
    owner: withPolicyFilter(grant, ownerWithinLevel('records.owner_id', grant.actor, grant.level)),
    party: party && withPolicyFilter(grant, party),
  }
}

/** The parties of `type` that count for `action`, by how far they reach. */
export function countedParties(type: Pick<StoredEntityType, 'parties'>, action: string): CountedParties {
  const users: string[] = []
  const members: string[] = []
  for (const [name, party] of Object.entries(type.parties ?? {})) {
    if (!partyActions(party).includes(action)) continue
    ;(party.reaches === 'members' ? members : users).push(name)
  }
  return { users, members }
}
