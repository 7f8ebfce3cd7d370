import type { Level } from '@trellis/core'
import type { Actor, TrellisDatabase } from '@trellis/db'
import { permissionRequired, unauthorized } from './access-errors.js'
import { effectiveGrant } from './effective-grant.js'

/** A signed-in caller that may use a leveled permission, and at which level. */
export interface LeveledAccess {
  readonly actor: Actor
  readonly level: Level
}

/**
 * The caller as the database says it is now: its current path (it may have been moved
 * since the last call) and that it is still active. Null for a deactivated or deleted user.
 */
async function loadActiveActor(db: TrellisDatabase, callerId: string): Promise<Actor | null> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'path'])
    .where('id', '=', callerId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  return row ?? null
}

/** Throws UNAUTHORIZED or FORBIDDEN unless the caller holds a boolean permission. */
export async function authorizeBoolean(
  db: TrellisDatabase,
  callerId: string | null,
  permission: string,
): Promise<void> {
  if (callerId !== null && !(await loadActiveActor(db, callerId))) throw unauthorized()
  const grant = await effectiveGrant(db, callerId, permission)
  if (grant === true) return
  throw callerId === null ? unauthorized() : permissionRequired(permission)
}

/** Throws UNAUTHORIZED or FORBIDDEN unless the caller holds a leveled permission; returns its level. */
export async function authorizeLeveled(
  db: TrellisDatabase,
  callerId: string | null,
  permission: string,
): Promise<LeveledAccess> {
  if (callerId === null) throw unauthorized()
  const actor = await loadActiveActor(db, callerId)
  if (!actor) throw unauthorized()
  const grant = await effectiveGrant(db, callerId, permission)
  if (grant === undefined || grant === true) throw permissionRequired(permission)
  return { actor, level: grant }
}
