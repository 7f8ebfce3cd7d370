import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'

export function webhookNotFound(): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: 'Webhook subscriber not found' })
}
