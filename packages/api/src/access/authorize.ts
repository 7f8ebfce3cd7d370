import type { Level } from '@trellis/core'
import type { Actor, TrellisDatabase } from '@trellis/db'
import type { CallAccess } from './access-cache.js'
import type { AccessSnapshot, CallerFacts } from './access-snapshot.js'
import { RecordAccess } from './record-access.js'
import { permissionMissing, type Refusal, UNAUTHENTICATED } from './refusal.js'

/** A signed-in caller that may use a leveled permission, and at which level. */
export interface LeveledAccess {
  readonly actor: Actor
  readonly level: Level
}

/**
 * The snapshot and the caller as the database says they are now (a caller may have been
 * moved or deactivated since its last call). Refused for a caller that is not an active user.
 */
async function loadDecisionFacts(
  db: TrellisDatabase,
  cache: CallAccess,
  callerId: string | null,
): Promise<{ snapshot: AccessSnapshot; caller: CallerFacts | null } | Refusal> {
  const snapshot = await cache.current(db)
  if (callerId === null) return { snapshot, caller: null }
  const caller = await snapshot.caller(db, callerId)
  if (caller?.status !== 'active') return UNAUTHENTICATED
  return { snapshot, caller }
}

/** Undefined when the caller holds a boolean permission; why not otherwise. */
export async function authorizeBoolean(
  db: TrellisDatabase,
  cache: CallAccess,
  callerId: string | null,
  permission: string,
): Promise<Refusal | undefined> {
  const facts = await loadDecisionFacts(db, cache, callerId)
  if ('refused' in facts) return facts
  if (facts.snapshot.decide(facts.caller, permission) === true) return undefined
  return facts.caller === null ? UNAUTHENTICATED : permissionMissing(permission)
}

/** The caller's level for a leveled permission, or why it has none. */
export async function authorizeLeveled(
  db: TrellisDatabase,
  cache: CallAccess,
  callerId: string | null,
  permission: string,
): Promise<LeveledAccess | Refusal> {
  if (callerId === null) return UNAUTHENTICATED
  const facts = await loadDecisionFacts(db, cache, callerId)
  if ('refused' in facts) return facts
  const { id, path } = facts.caller!
  const grant = facts.snapshot.decide(facts.caller, permission)
  if (grant === undefined || grant === true) return permissionMissing(permission)
  return { actor: { id, path }, level: grant }
}

/**
 * The caller's record permissions, to be decided per entity type once the procedure knows
 * the type (see RecordAccess). Anonymous callers pass: the `public` role may grant reads.
 */
export async function authorizeRecords(
  db: TrellisDatabase,
  cache: CallAccess,
  callerId: string | null,
): Promise<RecordAccess | Refusal> {
  const facts = await loadDecisionFacts(db, cache, callerId)
  if ('refused' in facts) return facts
  return new RecordAccess(facts.snapshot, facts.caller)
}
