import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'
import type { InputIssue } from '../trpc/error-formatter.js'
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

export function policyNameTaken(name: string): TRPCError {
  return new TrellisError({
    code: 'CONFLICT',
    reason: 'NAME_TAKEN',
    message: `Policy ${name} already exists`,
  })
}

/** Carries where each problem is to the error formatter, which reports them as `inputIssues`. */
class PolicyProblems extends Error {
  constructor(readonly issues: InputIssue[]) {
    super('A policy names fields or entity types its entity types do not have')
  }
}

/** One problem of a policy being saved: where in the input, and what (naming the field). */
export interface PolicyProblem {
  readonly path: readonly (string | number)[]
  readonly message: string
}

/** A policy that cannot be saved against its types' schemas: each problem said, at its path. */
export function invalidPolicy(name: string, problems: readonly PolicyProblem[]): TRPCError {
  const said = problems.map((problem) => `${problem.path.join('.')}: ${problem.message}`)
  return new TrellisError({
    code: 'BAD_REQUEST',
    reason: 'INVALID_POLICY',
    message: `Invalid policy ${name}: ${said.join('; ')}`,
    cause: new PolicyProblems(problems.map(({ path, message }) => ({ code: 'custom', path, message }))),
  })
}

export function policyDisabled(name: string): TRPCError {
  return new TrellisError({
    code: 'FORBIDDEN',
    reason: 'POLICY_DISABLED',
    message: `Policy ${name} is disabled`,
  })
}
