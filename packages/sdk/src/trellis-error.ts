import type { TrellisErrorReason } from '@trellis/api'
import { TRPCClientError } from '@trpc/client'
import type { AppRouter } from './router-types.js'

export type { TrellisErrorReason }

/**
 * An error a Trellis server answered: `error.data.code` is the tRPC code (`NOT_FOUND`, ...),
 * `error.data.reason` the stable reason (`PERMISSION_REQUIRED`, `NAME_TAKEN`, ...).
 */
export type TrellisError = TRPCClientError<AppRouter> & {
  readonly data: NonNullable<TRPCClientError<AppRouter>['data']>
}

/**
 * Whether a caught value is an answer of the server (a refusal), so `error.data.code`,
 * `reason` and `inputIssues` are typed. False for a network failure (`isNetworkError`).
 */
export function isTrellisError(error: unknown): error is TrellisError {
  // A tRPC answer has a code in its data; a failed fetch or a proxy's page has no data at all.
  return error instanceof TRPCClientError && typeof error.data?.code === 'string'
}

/**
 * Whether a call failed without a Trellis answer: the server could not be reached, the
 * connection dropped, or what answered was not a Trellis server (a proxy's error page).
 * Such a call may not have run, or may have; retry only what is safe to repeat.
 */
export function isNetworkError(error: unknown): error is TRPCClientError<AppRouter> {
  return error instanceof TRPCClientError && !isTrellisError(error)
}

/**
 * The stable reason of a refusal, or undefined for anything else.
 *
 * @example
 * if (reasonOf(error) === 'NAME_TAKEN') form.setError('name', 'Taken')
 */
export function reasonOf(error: unknown): TrellisErrorReason | undefined {
  return isTrellisError(error) ? error.data.reason : undefined
}
