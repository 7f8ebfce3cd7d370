import type { TRPCError } from '@trpc/server'
import { TrellisError } from './trellis-error.js'

// One message for every authentication failure, so it never says which part was wrong.
export const AUTHENTICATION_REQUIRED = 'Invalid or missing credentials'

export function unauthorized(): TRPCError {
  return new TrellisError({
    code: 'UNAUTHORIZED',
    reason: 'INVALID_CREDENTIALS',
    message: AUTHENTICATION_REQUIRED,
  })
}

/** A known caller without the permission: the message names what is missing. */
export function permissionRequired(permission: string, level?: string): TRPCError {
  const at = level ? ` at level ${level}` : ''
  return new TrellisError({
    code: 'FORBIDDEN',
    reason: 'PERMISSION_REQUIRED',
    message: `Permission required: ${permission}${at}`,
  })
}

/** A permission neither the router nor any entity type declares. */
export function unknownPermission(permission: string): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'UNKNOWN_PERMISSION',
    message: `Unknown permission: ${permission}`,
  })
}

/** The host refused the request's credentials (a cookie without CSRF proof): `why` says so. */
export function requestRefused(why: string): TRPCError {
  return new TrellisError({ code: 'FORBIDDEN', reason: 'PERMISSION_REQUIRED', message: why })
}
