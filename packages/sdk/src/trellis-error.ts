import { TRPCClientError } from '@trpc/client'
import type { AppRouter } from './router-types.js'

/** An error answered by a Trellis server: `error.data.code` is the tRPC code (`NOT_FOUND`, ...). */
export type TrellisError = TRPCClientError<AppRouter>

/** Narrows a caught value to a Trellis error, so `error.data?.code` and `inputIssues` are typed. */
export function isTrellisError(error: unknown): error is TrellisError {
  return error instanceof TRPCClientError
}
