import { entityTypeScope, isLevel, type Level } from '@trellis/core'
import { type Actor, ownerWithinLevel, type StoredEntityType, type TrellisDatabase } from '@trellis/db'
import { type Expression, type SqlBool, sql } from 'kysely'
import type { AccessSnapshot, CallerFacts } from './access-snapshot.js'

/** Where a caller may act on records of one type: a level, who it is relative to, and why. */
export interface RecordGrant {
  /** Null for an anonymous caller, who only ever gets level ALL (from the `public` role). */
  readonly actor: Actor | null
  readonly level: Level
  /** The permission this grant decides: `<entityType>.<action>` (`shares.read`). */
  readonly permission: string
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
    return { actor, level, permission }
  }

  /** Whether the caller holds a boolean permission for one entity type (scoped bindings count). */
  holds(permission: string, entityType: string): boolean {
    return this.snapshot.decide(this.caller, permission, entityTypeScope(entityType)) === true
  }
}

/** `ownerWithinLevel` for a record grant: the one filter every records query applies. */
export function recordsWithin(grant: RecordGrant, ownerColumn = 'records.owner_id'): Expression<SqlBool> {
  if (grant.actor === null) return sql<SqlBool>`true` // only ever at level ALL
  return ownerWithinLevel(ownerColumn, grant.actor, grant.level)
}
