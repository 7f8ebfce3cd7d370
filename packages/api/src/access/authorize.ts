import type { Level } from '@trellis/core'
import type { Actor, TrellisDatabase } from '@trellis/db'
import type { AccessCache } from './access-cache.js'
import { permissionRequired, unauthorized } from './access-errors.js'
import type { AccessSnapshot, CallerFacts } from './access-snapshot.js'
import { RecordAccess } from './record-access.js'

/** A signed-in caller that may use a leveled permission, and at which level. */
export interface LeveledAccess {
  readonly actor: Actor
  readonly level: Level
}

/**
 * The snapshot and the caller as the database says they are now (a caller may have been
 * moved or deactivated since its last call). Throws UNAUTHORIZED for a caller that is
 * not an active user.
 */
async function loadDecisionFacts(
  db: TrellisDatabase,
  cache: AccessCache,
  callerId: string | null,
): Promise<{ snapshot: AccessSnapshot; caller: CallerFacts | null }> {
  const snapshot = await cache.current(db)
  if (callerId === null) return { snapshot, caller: null }
  const caller = await snapshot.caller(db, callerId)
  if (caller?.status !== 'active') throw unauthorized()
  return { snapshot, caller }
}

/** Throws UNAUTHORIZED or FORBIDDEN unless the caller holds a boolean permission. */
export async function authorizeBoolean(
  db: TrellisDatabase,
  cache: AccessCache,
  callerId: string | null,
  permission: string,
): Promise<void> {
  const { snapshot, caller } = await loadDecisionFacts(db, cache, callerId)
  if (snapshot.grantFor(caller, permission) === true) return
  throw caller === null ? unauthorized() : permissionRequired(permission)
}

/** Throws UNAUTHORIZED or FORBIDDEN unless the caller holds a leveled permission; returns its level. */
export async function authorizeLeveled(
  db: TrellisDatabase,
  cache: AccessCache,
  callerId: string | null,
  permission: string,
): Promise<LeveledAccess> {
  if (callerId === null) throw unauthorized()
  const { snapshot, caller } = await loadDecisionFacts(db, cache, callerId)
  const grant = snapshot.grantFor(caller, permission)
  if (grant === undefined || grant === true) throw permissionRequired(permission)
  return { actor: { id: caller!.id, path: caller!.path }, level: grant }
}

/**
 * The caller's record permissions, to be decided per entity type once the procedure knows
 * the type (see RecordAccess). Anonymous callers pass: the `public` role may grant reads.
 */
export async function authorizeRecords(
  db: TrellisDatabase,
  cache: AccessCache,
  callerId: string | null,
): Promise<RecordAccess> {
  const { snapshot, caller } = await loadDecisionFacts(db, cache, callerId)
  return new RecordAccess(snapshot, caller)
}
