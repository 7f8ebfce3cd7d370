import type { Level } from '@trellis/core'

/**
 * Why the engine said no. Only the tRPC layer turns it into an error: UNAUTHORIZED for a
 * caller without valid credentials, FORBIDDEN naming what is missing for a known one.
 */
export type Refusal =
  | { readonly refused: 'unauthenticated' }
  | { readonly refused: 'permission'; readonly permission: string; readonly level?: Level }

export const UNAUTHENTICATED: Refusal = { refused: 'unauthenticated' }

export function permissionMissing(permission: string, level?: Level): Refusal {
  return level === undefined
    ? { refused: 'permission', permission }
    : { refused: 'permission', permission, level }
}
