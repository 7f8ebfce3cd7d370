import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'

export function entityTypeNotFound(name: string): TRPCError {
  return new TrellisError({
    code: 'NOT_FOUND',
    reason: 'NOT_FOUND',
    message: `Entity type not found: ${name}`,
  })
}

export function entityTypeNameTaken(name: string): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'NAME_TAKEN',
    message: `Entity type ${name} already exists`,
  })
}

/** A definition that cannot be stored: each problem said, in one message. */
export function invalidEntityType(name: string, problems: readonly string[]): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'INVALID_ENTITY_TYPE',
    message: `Invalid entity type ${name}: ${problems.join('; ')}`,
  })
}

export function entityTypeHasRecords(name: string, records: number): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'STILL_REFERENCED',
    message: `Entity type ${name} still has ${records} record(s): delete them first`,
  })
}

export function entityTypeReferenced(name: string, referrers: readonly string[]): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'STILL_REFERENCED',
    message: `Entity type ${name} is referenced by ${referrers.join(', ')}: remove those references first`,
  })
}

export function entityTypeInPolicies(name: string, policies: readonly string[]): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'STILL_REFERENCED',
    message: `Entity type ${name} is covered by policies ${policies.join(', ')}: remove it from them first`,
  })
}
