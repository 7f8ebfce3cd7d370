import type { TRPCError } from '@trpc/server'
import type { ScopeTarget } from '../access/scope-target.js'
import { TrellisError } from '../errors/trellis-error.js'
import type { InputIssue } from '../trpc/error-formatter.js'

export function invitationNotFound(): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: 'Invitation not found' })
}

/** Carries the failing path to the error formatter, which reports it as `inputIssues`. */
class UnknownScopeTargetError extends Error {
  constructor(readonly issues: InputIssue[]) {
    super('A scope names an entity type or policy that does not exist')
  }
}

/**
 * A binding's scope names no entity type or policy: BAD_REQUEST at the scope's path, as
 * input validation says it.
 */
export function unknownScopeTarget(path: readonly (string | number)[], target: ScopeTarget): TRPCError {
  const message = `No ${target.kind === 'policy' ? 'policy' : 'entity type'} named ${target.name}`
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'INVALID_INPUT',
    message,
    cause: new UnknownScopeTargetError([{ code: 'custom', path, message }]),
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
