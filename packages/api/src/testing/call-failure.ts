import { TRPCError } from '@trpc/server'
import { type ErrorData, formatError, type InputIssue } from '../trpc/error-formatter.js'

/** The tRPC error a call fails with (the test fails if it succeeds or fails otherwise). */
export async function failure(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!(error instanceof TRPCError)) throw new Error(`Expected a TRPCError, got ${String(error)}`)
  return error
}

/**
 * The error as a client receives it: a server-side caller skips the formatter, so run it
 * here. Gives the reply's message and its `inputIssues` (absent when there are none).
 */
export function formatted(error: TRPCError): { message: string; inputIssues?: readonly InputIssue[] } {
  const shape = formatError(
    { message: error.message, code: -32600, data: { code: error.code, httpStatus: 400 } },
    error,
  )
  const data: ErrorData = shape.data
  return { message: shape.message, ...(data.inputIssues ? { inputIssues: data.inputIssues } : {}) }
}
