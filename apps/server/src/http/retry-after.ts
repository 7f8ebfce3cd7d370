import { PolicyLimitError } from '@trellis/api'
import type { TRPCError } from '@trpc/server'

/**
 * The `Retry-After` of an answer (RFC 9110 §10.2.3, in whole seconds, at least 1): until the
 * latest reset among its calls refused by a policy's quota or rate, so that retrying then
 * lets every one of them through. Undefined when no call was refused so.
 */
export function retryAfterSeconds(errors: readonly TRPCError[], now: number): number | undefined {
  const resets = errors.flatMap((error) =>
    error instanceof PolicyLimitError ? [error.resetsAt.getTime()] : [],
  )
  if (resets.length === 0) return undefined
  return Math.max(1, Math.ceil((Math.max(...resets) - now) / 1000))
}
