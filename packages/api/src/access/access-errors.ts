import { TRPCError } from '@trpc/server'

// One message for every authentication failure, so it never says which part was wrong.
export const AUTHENTICATION_REQUIRED = 'Invalid or missing credentials'

export function unauthorized(): TRPCError {
  return new TRPCError({ code: 'UNAUTHORIZED', message: AUTHENTICATION_REQUIRED })
}

/** A known caller without the permission: the message names what is missing. */
export function permissionRequired(permission: string, level?: string): TRPCError {
  const at = level ? ` at level ${level}` : ''
  return new TRPCError({ code: 'FORBIDDEN', message: `Permission required: ${permission}${at}` })
}
