import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'

export function apiKeyNotFound(): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: 'API key not found' })
}

/** People sign in with passwords; only service accounts hold keys. */
export function notAServiceAccount(): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'NOT_A_SERVICE_ACCOUNT',
    message: 'API keys are for service accounts (users of kind service)',
  })
}
