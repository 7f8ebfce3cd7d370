import type { TRPC_ERROR_CODE_KEY } from '@trpc/server'

/**
 * Why a call was refused, one stable UPPER_SNAKE name per cause, sent as `error.data.reason`.
 * Messages are for people and may change; a client branches on these.
 */
export const ERROR_REASONS = [
  // Any code
  'INVALID_INPUT',
  'INTERNAL',
  // Identity and access
  'INVALID_CREDENTIALS',
  'PERMISSION_REQUIRED',
  'ROOT_NEEDS_ALL',
  'THROTTLED',
  'POLICY_LIMIT_REACHED',
  'POLICY_DISABLED',
  'WEAK_PASSWORD',
  'SAME_PASSWORD',
  // Lookups
  'NOT_FOUND',
  'INVALID_CURSOR',
  'UNKNOWN_PERMISSION',
  'GRANT_KIND_MISMATCH',
  // Conflicts
  'CONFLICT',
  'NAME_TAKEN',
  'EMAIL_TAKEN',
  'STILL_REFERENCED',
  'LAST_PROTECTED_HOLDER',
  'PROTECTED_ROLE_GRANT',
  'INVALID_STATE',
  // Users and the tree
  'CANNOT_CHANGE_SELF',
  'MOVE_CREATES_CYCLE',
  'DELETE_NEEDS_HEIR',
  'HEIR_IN_SUBTREE',
  'NOT_DEACTIVATED',
  'NOT_A_SERVICE_ACCOUNT',
  'SERVICE_HAS_CHILDREN',
  'PUBLIC_ROLE_UNDELETABLE',
  // Entity types and records
  'INVALID_ENTITY_TYPE',
  'INVALID_RECORD_DATA',
  'UNKNOWN_TRANSITION',
  'INVALID_PARTIES',
  'TRANSITION_REFUSED',
  // Policies
  'INVALID_POLICY',
  // Transport
  'DATABASE_UNAVAILABLE',
  'PAYLOAD_TOO_LARGE',
  'NOT_SUPPORTED',
] as const

/** A refusal's stable, machine-readable cause (`error.data.reason`). */
export type TrellisErrorReason = (typeof ERROR_REASONS)[number]

/**
 * The reason of an error thrown without one (by tRPC itself, or the HTTP host): the one its
 * code implies, so every reply carries a reason.
 */
export const REASON_BY_CODE: Partial<Record<TRPC_ERROR_CODE_KEY, TrellisErrorReason>> = {
  PARSE_ERROR: 'INVALID_INPUT',
  BAD_REQUEST: 'INVALID_INPUT',
  UNAUTHORIZED: 'INVALID_CREDENTIALS',
  FORBIDDEN: 'PERMISSION_REQUIRED',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  TOO_MANY_REQUESTS: 'THROTTLED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  METHOD_NOT_SUPPORTED: 'NOT_SUPPORTED',
  NOT_IMPLEMENTED: 'NOT_SUPPORTED',
  UNSUPPORTED_MEDIA_TYPE: 'NOT_SUPPORTED',
  SERVICE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
}
