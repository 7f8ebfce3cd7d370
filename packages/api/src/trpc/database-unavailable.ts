import { isDatabaseUnavailable } from '@trellis/db'
import type { TRPCError } from '@trpc/server'
import { databaseUnavailable } from '../errors/transport-errors.js'

/**
 * A call's failure as its caller should see it. A lost or refused database connection is
 * not a bug of the call but a passing outage, so instead of a 500 it answers
 * `SERVICE_UNAVAILABLE` (HTTP 503), which clients and balancers treat as retriable.
 * Any other error is returned as it is.
 *
 * @example
 * asCallerError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: econnrefused }))
 * // → TRPCError { code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; try again' }
 */
export function asCallerError(error: TRPCError): TRPCError {
  if (error.code !== 'INTERNAL_SERVER_ERROR' || !isDatabaseUnavailable(error)) return error
  return databaseUnavailable(error.cause)
}
