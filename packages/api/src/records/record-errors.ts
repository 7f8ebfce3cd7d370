import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'
import type { InputIssue } from '../trpc/error-formatter.js'

/** Also what a record outside the caller's level answers: it must not tell that it exists. */
export function recordNotFound(): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: 'Record not found' })
}

/** Carries the failing paths to the error formatter, which reports them as `inputIssues`. */
class InputIssuesError extends Error {
  constructor(
    message: string,
    readonly issues: InputIssue[],
  ) {
    super(message)
  }
}

/** BAD_REQUEST listing each problem, in the same shape as input validation errors. */
export function invalidRecordData(issues: InputIssue[]): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'INVALID_RECORD_DATA',
    message: 'Invalid record data',
    cause: new InputIssuesError('Record data does not match its schema', issues),
  })
}

export function unknownTransition(entityType: string, transition: string): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'UNKNOWN_TRANSITION',
    message: `Entity type ${entityType} has no transition ${transition}`,
  })
}

/** The record is not in a state the transition starts from (a racing call may have moved it). */
export function invalidState(entityType: string, transition: string, status: string | null): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'INVALID_STATE',
    message: `Cannot ${transition} a ${entityType} record in state ${status ?? 'none'}`,
  })
}

/** BAD_REQUEST for parties a record cannot take: unknown names, derived parties, too many. */
export function invalidParties(issues: InputIssue[]): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'INVALID_PARTIES',
    message: 'Invalid record parties',
    cause: new InputIssuesError('Invalid record parties', issues),
  })
}

/**
 * An aggregate naming fields its type's schema does not declare as it needs them (numeric
 * to total, scalar to group by): BAD_REQUEST with an input issue per field, as zod's are.
 */
export function invalidAggregateFields(issues: InputIssue[]): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'INVALID_INPUT',
    message: 'Invalid aggregate fields',
    cause: new InputIssuesError('Aggregate fields do not match the schema', issues),
  })
}
