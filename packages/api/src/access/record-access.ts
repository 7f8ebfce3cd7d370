import { entityTypeScope, isLevel, type Level, partyActions } from '@trellis/core'
import {
  type Actor,
  type CountedParties,
  ownerWithinLevel,
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
  ) {}

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
    const level = this.snapshot.decide(this.caller, permission)
    if (!isLevel(level)) return undefined
    const actor = this.actor
    // Levels other than ALL are relative to a user; an anonymous caller has none.
    if (actor === null && level !== 'ALL') return undefined
    return { actor, level, permission, action }
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
  if (grant.actor === null) return sql<SqlBool>`true` // only ever at level ALL
  return recordWithinLevel(grant.actor, grant.level, countedParties(type, grant.action))
}

/**
 * `recordsWithin` in its two halves, for a page that reads them as separate branches: the
 * owner within the grant's level, and a counted party within it (undefined when none can be).
 */
export function recordsWithinByHalf(
  grant: RecordGrant,
  type: Pick<StoredEntityType, 'parties'>,
): { readonly owner: Expression<SqlBool>; readonly party: Expression<SqlBool> | undefined } {
  if (grant.actor === null) return { owner: sql<SqlBool>`true`, party: undefined } // only ever at level ALL
  return {
    owner: ownerWithinLevel('records.owner_id', grant.actor, grant.level),
    party: recordPartyWithinLevel(grant.actor, grant.level, countedParties(type, grant.action)),
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
