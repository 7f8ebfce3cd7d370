import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'
import type { InputIssue } from '../trpc/error-formatter.js'

export function invitationNotFound(): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: 'Invitation not found' })
}

/** Carries the failing path to the error formatter, which reports it as `inputIssues`. */
class UnknownScopeTypeError extends Error {
  constructor(readonly issues: InputIssue[]) {
    super('A scope names an entity type that does not exist')
  }
}

/** A binding's scope names no entity type: BAD_REQUEST at the scope's path, as input validation says it. */
export function unknownScopeType(path: readonly (string | number)[], entityType: string): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'INVALID_INPUT',
    message: `No entity type named ${entityType}`,
    cause: new UnknownScopeTypeError([
      { code: 'custom', path, message: `No entity type named ${entityType}` },
    ]),
  })
}

/**
 * The inviter may no longer give a binding the invitation carries (its roles changed, or
 * it is gone). Nothing is accepted and the token still works: a new `invitations.resend`
 * by someone who may give them vouches for them again. Which permission is missing is the
 * inviter's business, not the invitee's.
 */
export function invitationNoLongerGrantable(): TRPCError {
  return new TrellisError({
    code: 'FORBIDDEN',
    reason: 'PERMISSION_REQUIRED',
    message: 'This invitation gives roles its inviter may no longer give: ask for it to be sent again',
  })
}
