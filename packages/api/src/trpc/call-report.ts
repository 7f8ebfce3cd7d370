import { getTRPCErrorFromUnknown, type TRPCError } from '@trpc/server'
import { asCallerError } from './database-unavailable.js'

/** How a call ended: `OK`, or the tRPC code its caller got (`NOT_FOUND`, `BAD_REQUEST`, ...). */
export type CallOutcome = 'OK' | TRPCError['code']

/** One finished call, as the host's access log and metrics see it: never its input. */
export interface CallReport {
  /** The procedure's path: `users.list`. */
  readonly procedure: string
  readonly outcome: CallOutcome
  readonly durationMs: number
  /** Who called, once resolved: null for an anonymous caller or an invalid credential. */
  readonly callerId: string | null
  readonly requestId: string
}

/** The outcome of a middleware's result, or of what it threw, as the caller will see it. */
export function callOutcome(ended: { ok: true } | { ok: false; error: TRPCError } | { thrown: unknown }) {
  if ('thrown' in ended) return asCallerError(getTRPCErrorFromUnknown(ended.thrown)).code
  return ended.ok ? 'OK' : asCallerError(ended.error).code
}
