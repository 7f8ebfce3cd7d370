import { isUniqueViolation, UserTreeError, type UserTreeErrorCode } from '@trellis/db'
import type { TRPCError } from '@trpc/server'
import type { TrellisErrorReason } from '../errors/error-reasons.js'
import { TrellisError } from '../errors/trellis-error.js'

export function userNotFound(): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: 'User not found' })
}

export function cannotChangeSelf(): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'CANNOT_CHANGE_SELF',
    message: 'You cannot delete or deactivate yourself',
  })
}

export function rootNeedsAll(): TRPCError {
  return new TrellisError({
    code: 'FORBIDDEN',
    reason: 'ROOT_NEEDS_ALL',
    message: 'Only a caller with level ALL can make a user a root',
  })
}

export function notDeactivated(): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'NOT_DEACTIVATED',
    message: 'Only a deactivated user can be reactivated',
  })
}

function emailTaken(): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'EMAIL_TAKEN',
    message: 'A user with this email already exists',
  })
}

const TREE_ERROR_CODES: Record<UserTreeErrorCode, 'NOT_FOUND' | 'BAD_REQUEST'> = {
  USER_NOT_FOUND: 'NOT_FOUND',
  PARENT_NOT_FOUND: 'NOT_FOUND',
  HEIR_NOT_FOUND: 'NOT_FOUND',
  MOVE_CREATES_CYCLE: 'BAD_REQUEST',
  DELETE_NEEDS_HEIR: 'BAD_REQUEST',
  HEIR_IN_SUBTREE: 'BAD_REQUEST',
}

const TREE_ERROR_REASONS: Record<UserTreeErrorCode, TrellisErrorReason> = {
  USER_NOT_FOUND: 'NOT_FOUND',
  PARENT_NOT_FOUND: 'NOT_FOUND',
  HEIR_NOT_FOUND: 'NOT_FOUND',
  MOVE_CREATES_CYCLE: 'MOVE_CREATES_CYCLE',
  DELETE_NEEDS_HEIR: 'DELETE_NEEDS_HEIR',
  HEIR_IN_SUBTREE: 'HEIR_IN_SUBTREE',
}

/** Turns what the storage layer refuses into the matching tRPC error; rethrows the rest. */
export function toUserError(error: unknown): never {
  if (error instanceof UserTreeError) {
    throw new TrellisError({
      code: TREE_ERROR_CODES[error.code],
      reason: TREE_ERROR_REASONS[error.code],
      message: error.message,
      cause: error,
    })
  }
  if (isUniqueViolation(error)) throw emailTaken()
  throw error
}

/** `users.manageServices` reaches users of kind service only: people stay user management's. */
export function notAServiceUser(): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'NOT_A_SERVICE_ACCOUNT',
    message: 'Only a service account (a user of kind service) can be managed this way',
  })
}

/** Deleting a service would move the users under it: a change of the tree, user management's. */
export function serviceHasChildren(): TRPCError {
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'SERVICE_HAS_CHILDREN',
    message: 'This service account has users under it: move them first, or delete it with users.delete',
  })
}
