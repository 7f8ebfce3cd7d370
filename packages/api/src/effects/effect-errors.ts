import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'
import type { InputIssue } from '../trpc/error-formatter.js'

/** An effect said no (`refuse`): the record is not in a state the transition may apply to. */
export function transitionRefused(message: string): TRPCError {
  return new TrellisError({ code: 'PRECONDITION_FAILED', reason: 'TRANSITION_REFUSED', message })
}

/**
 * An effect would store data its type does not allow (a balance below its schema's
 * minimum): refused like `refuse`, naming the fields, never their values.
 */
export function effectWriteRefused(permission: string, entityType: string, issues: InputIssue[]): TRPCError {
  const problems = issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')
  return transitionRefused(`${permission} would store invalid ${entityType} data (${problems})`)
}
