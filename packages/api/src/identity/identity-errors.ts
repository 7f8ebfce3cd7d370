import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'

export function tooManyAttempts(): TRPCError {
  return new TrellisError({
    code: 'TOO_MANY_REQUESTS',
    reason: 'THROTTLED',
    message: 'Too many failed attempts: try again later',
  })
}

export function weakPassword(): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'WEAK_PASSWORD',
    message: 'This password is too common: choose another',
  })
}

export function samePassword(): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'SAME_PASSWORD',
    message: 'The new password must differ from the current one',
  })
}
