import type { TRPCError } from '@trpc/server'
import type { Refusal } from '../access/refusal.js'
import { permissionRequired, unauthorized } from '../errors/access-errors.js'

/** The engine's refusal as the caller sees it. */
export function refusalError(refusal: Refusal): TRPCError {
  return refusal.refused === 'unauthenticated'
    ? unauthorized()
    : permissionRequired(refusal.permission, refusal.level)
}
