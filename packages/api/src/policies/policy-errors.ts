import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'
import type { PolicyMeter } from './policy-meters.js'

/** TOO_MANY_REQUESTS: the consumer used up a policy's quota or rate; `resetsAt` says until when. */
export class PolicyLimitError extends TrellisError {
  constructor(
    message: string,
    readonly resetsAt: Date,
  ) {
    super({ code: 'TOO_MANY_REQUESTS', reason: 'POLICY_LIMIT_REACHED', message })
  }
}

export function policyLimitReached(policy: string, meter: PolicyMeter, resetsAt: Date): TRPCError {
  const what =
    meter.meter === 'rate' ? `${meter.limit} calls a second` : `${meter.limit} calls a ${meter.unit}`
  return new PolicyLimitError(
    `Policy ${policy} allows ${what}: try again at ${resetsAt.toISOString()}`,
    resetsAt,
  )
}

export function policyNotFound(name: string): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: `Policy not found: ${name}` })
}
