import type { TRPCError } from '@trpc/server'
import { TrellisError } from './trellis-error.js'

/** What a caller reads when the database could not be reached: nothing about where or why. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable; try again'

/** A passing outage, retriable (HTTP 503); `cause` stays on the server, for its logs. */
export function databaseUnavailable(cause: unknown): TRPCError {
  return new TrellisError({
    code: 'SERVICE_UNAVAILABLE',
    reason: 'DATABASE_UNAVAILABLE',
    message: DATABASE_UNAVAILABLE_MESSAGE,
    cause,
  })
}
