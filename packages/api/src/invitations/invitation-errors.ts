import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'

export function invitationNotFound(): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: 'Invitation not found' })
}
