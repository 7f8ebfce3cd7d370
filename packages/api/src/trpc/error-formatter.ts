import type { TRPCDefaultErrorShape, TRPCError } from '@trpc/server'
import type { TrellisErrorReason } from '../errors/error-reasons.js'
import { reasonOf } from '../errors/trellis-error.js'
import { PolicyLimitError } from '../policies/policy-errors.js'

/** One problem with the input, in the shape zod reports it. */
export interface InputIssue {
  readonly code: string
  readonly path: readonly PropertyKey[]
  readonly message: string
}

export interface ErrorData {
  readonly code: string
  readonly httpStatus: number
  readonly path?: string
  /** Why, in a stable machine-readable form (`PERMISSION_REQUIRED`, `NAME_TAKEN`, ...). */
  readonly reason: TrellisErrorReason
  /** Present on BAD_REQUEST from input validation: what was wrong, field by field. */
  readonly inputIssues?: readonly InputIssue[]
  /** Present on TOO_MANY_REQUESTS from a policy's quota or rate: when calls are let through again (ISO). */
  readonly resetsAt?: string
}

const GENERIC_INTERNAL_MESSAGE = 'Internal server error'

/**
 * Adds the refusal's reason and validation issues as structured data and keeps server internals out of replies:
 * no stacks, and an unexpected error's message is replaced by a generic one.
 */
export function formatError(shape: TRPCDefaultErrorShape, error: TRPCError) {
  const { stack: _stack, ...data } = shape.data
  const inputIssues = issuesOf(error.cause)
  return {
    ...shape,
    message: messageOf(shape.message, error, inputIssues),
    data: {
      ...data,
      reason: reasonOf(error),
      ...(inputIssues ? { inputIssues } : {}),
      ...(error instanceof PolicyLimitError ? { resetsAt: error.resetsAt.toISOString() } : {}),
    } satisfies ErrorData,
  }
}

function messageOf(message: string, error: TRPCError, inputIssues: InputIssue[] | undefined): string {
  if (error.code === 'INTERNAL_SERVER_ERROR') return GENERIC_INTERNAL_MESSAGE
  // zod's own message is its issues as JSON; say it in one readable line instead.
  if (inputIssues) {
    const problems = inputIssues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`)
    return `Invalid input: ${problems.join('; ')}`
  }
  return message
}

function issuesOf(cause: unknown): InputIssue[] | undefined {
  if (typeof cause !== 'object' || cause === null || !('issues' in cause)) return undefined
  const { issues } = cause as { issues: unknown }
  if (!Array.isArray(issues)) return undefined
  return issues.map((issue: { code?: unknown; path?: unknown; message?: unknown }) => ({
    code: String(issue.code ?? 'invalid'),
    path: Array.isArray(issue.path) ? issue.path : [],
    message: String(issue.message ?? 'Invalid input'),
  }))
}
