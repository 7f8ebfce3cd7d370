import { type Grant, isLevel, levelIncludes } from '@trellis/core'
import type { AccessSnapshot, CallerFacts } from './access-snapshot.js'
import { permissionMissing, type Refusal } from './refusal.js'

/** One grant someone wants to hand out. */
export interface GrantToHandOut {
  readonly permission: string
  readonly grant: Grant
}

/**
 * Nobody can give more than they have (docs/model.md §3): the first of `grants` the
 * caller does not itself hold at least as broadly, as a refusal naming it. A binding
 * scoped to a type hands out its grants only there, so held within `scope` is enough.
 */
export function firstUnheldGrant(
  snapshot: AccessSnapshot,
  caller: CallerFacts,
  grants: Iterable<GrantToHandOut>,
  scope: string | null = null,
): Refusal | undefined {
  for (const { permission, grant } of grants) {
    const held = snapshot.decide(caller, permission, scope)
    const enough = grant === true ? held === true : isLevel(held) && levelIncludes(held, grant)
    if (!enough) return permissionMissing(permission, grant === true ? undefined : grant)
  }
  return undefined
}
