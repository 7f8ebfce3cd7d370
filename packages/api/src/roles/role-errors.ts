import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'

export function roleNotFound(name: string): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: `Role not found: ${name}` })
}

export function roleNameTaken(name: string): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'NAME_TAKEN',
    message: `A role named ${name} already exists`,
  })
}

/** A boolean permission granted a level, or a leveled one granted `true`. */
export function grantKindMismatch(permission: string, kind: 'boolean' | 'leveled'): TRPCError {
  const expected = kind === 'boolean' ? 'true' : 'a level (SELF, OWNED, UNION or ALL)'
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'GRANT_KIND_MISMATCH',
    message: `${permission} is ${kind}: grant it with ${expected}`,
  })
}

export function publicRoleUndeletable(): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'PUBLIC_ROLE_UNDELETABLE',
    message: 'The public role cannot be deleted',
  })
}

export function roleStillHeld(name: string, holders: number): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'STILL_REFERENCED',
    message: `Role ${name} is assigned to ${holders} user(s): unassign it first`,
  })
}

export function roleNotHeld(): TRPCError {
  return new TrellisError({
    code: 'NOT_FOUND',
    reason: 'NOT_FOUND',
    message: 'The user does not hold this role',
  })
}

export function lastProtectedHolder(role: string): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'LAST_PROTECTED_HOLDER',
    message: `This would leave the protected role "${role}" with no active holder: give it to another active user first`,
  })
}

/** A protected role's administration grant set below what its holders need. */
export function protectedRoleGrant(role: string, permission: string, required: string | true): TRPCError {
  const at = required === true ? '' : ` at ${required}`
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'PROTECTED_ROLE_GRANT',
    message: `The protected role ${role} must keep ${permission}${at}: its holders administer roles and users with it`,
  })
}
