import { isUniqueViolation, UserTreeError, type UserTreeErrorCode } from '@trellis/db'
import { TRPCError } from '@trpc/server'

export const USER_ERRORS = {
  USER_NOT_FOUND: 'User not found',
  EMAIL_TAKEN: 'A user with this email already exists',
  CANNOT_CHANGE_SELF: 'You cannot delete or deactivate yourself',
  ROOT_NEEDS_ALL: 'Only a caller with level ALL can make a user a root',
} as const

export function userNotFound(): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: USER_ERRORS.USER_NOT_FOUND })
}

const TREE_ERROR_CODES: Record<UserTreeErrorCode, 'NOT_FOUND' | 'BAD_REQUEST'> = {
  USER_NOT_FOUND: 'NOT_FOUND',
  PARENT_NOT_FOUND: 'NOT_FOUND',
  HEIR_NOT_FOUND: 'NOT_FOUND',
  MOVE_CREATES_CYCLE: 'BAD_REQUEST',
  DELETE_NEEDS_HEIR: 'BAD_REQUEST',
  HEIR_IN_SUBTREE: 'BAD_REQUEST',
}

/** Turns what the storage layer refuses into the matching tRPC error; rethrows the rest. */
export function toUserError(error: unknown): never {
  if (error instanceof UserTreeError) {
    throw new TRPCError({ code: TREE_ERROR_CODES[error.code], message: error.message, cause: error })
  }
  if (isUniqueViolation(error)) throw new TRPCError({ code: 'CONFLICT', message: USER_ERRORS.EMAIL_TAKEN })
  throw error
}
