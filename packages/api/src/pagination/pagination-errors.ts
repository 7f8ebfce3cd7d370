import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'

/** A cursor the server did not issue for this list (forged, stale format, or another list's). */
export function invalidCursor(): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'INVALID_CURSOR',
    message: 'Invalid cursor: pass back a nextCursor from a previous page',
  })
}
