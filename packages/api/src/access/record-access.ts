import { broadestLevel, entityTypeScope, isLevel, type Level } from '@trellis/core'
import { type Actor, ownerWithinLevel } from '@trellis/db'
import type { TRPCError } from '@trpc/server'
import { type Expression, type SqlBool, sql } from 'kysely'
import { permissionRequired, unauthorized } from './access-errors.js'
import type { AccessSnapshot, CallerFacts } from './access-snapshot.js'
import { entityTypePermissionParts } from './record-permission.js'

/** Where a caller may act on records of one type: a level, and who it is relative to. */
export interface RecordGrant {
  /** Null for an anonymous caller, who only ever gets level ALL (from the `public` role). */
  readonly actor: Actor | null
  readonly level: Level
}

/**
 * A caller's record permissions, decided per entity type. For `action` on records of
 * type `T`, two permissions count and the broader wins:
 * - `T.<action>` (per type, e.g. `shares.read`, `charges.execute`), and
 * - `records.<action>` (every type; `records.transition` for any transition),
 * each from the `public` role, unscoped bindings, and bindings scoped to `entityType:T`.
 */
export class RecordAccess {
  constructor(
    private readonly snapshot: AccessSnapshot,
    private readonly caller: CallerFacts | null,
  ) {}

  get actor(): Actor | null {
    return this.caller ? { id: this.caller.id, path: this.caller.path } : null
  }

  /** The grant for `action` (a record action or a transition name) on type `entityType`, if any. */
  grantFor(entityType: string, action: string): RecordGrant | undefined {
    const permission = `${entityType}.${action}`
    const { generic, scope } = entityTypePermissionParts(permission)!
    const levels = [
      this.snapshot.grantFor(this.caller, generic, scope),
      this.snapshot.grantFor(this.caller, permission, scope),
    ].filter(isLevel)
    const level = broadestLevel(levels)
    if (level === undefined) return undefined
    const actor = this.actor
    // Levels other than ALL are relative to a user; an anonymous caller has none.
    if (actor === null && level !== 'ALL') return undefined
    return { actor, level }
  }

  /** Whether the caller holds a boolean permission for one entity type (scoped bindings count). */
  holds(permission: string, entityType: string): boolean {
    return this.snapshot.grantFor(this.caller, permission, entityTypeScope(entityType)) === true
  }

  /** UNAUTHORIZED for an anonymous caller, FORBIDDEN naming `permission` for a known one. */
  refuse(permission: string): TRPCError {
    return this.caller === null ? unauthorized() : permissionRequired(permission)
  }

  /** The grant, or UNAUTHORIZED (anonymous) / FORBIDDEN naming the permission. */
  require(entityType: string, action: string): RecordGrant {
    const grant = this.grantFor(entityType, action)
    if (grant) return grant
    throw this.refuse(`${entityType}.${action}`)
  }
}

/** `ownerWithinLevel` for a record grant: the one filter every records query applies. */
export function recordsWithin(grant: RecordGrant, ownerColumn = 'records.owner_id'): Expression<SqlBool> {
  if (grant.actor === null) return sql<SqlBool>`true` // only ever at level ALL
  return ownerWithinLevel(ownerColumn, grant.actor, grant.level)
}
