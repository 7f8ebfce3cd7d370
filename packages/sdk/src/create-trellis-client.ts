import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client'
import type { AppRouter } from './router-types.js'

export interface TrellisClientOptions {
  /** The server's tRPC endpoint, e.g. `http://127.0.0.1:3000/trpc`. */
  readonly url: string
  /** Extra headers sent with every call. */
  readonly headers?: Record<string, string> | (() => Record<string, string>)
  /** A fetch implementation, for runtimes without a global one or for tests. */
  readonly fetch?: typeof fetch
}

export type TrellisClient = TRPCClient<AppRouter>

/**
 * A typed client for a Trellis server. Calls that run together are batched into one request.
 *
 * @example
 * const trellis = createTrellisClient({ url: 'http://127.0.0.1:3000/trpc' })
 * const info = await trellis.system.info.query()
 */
export function createTrellisClient(options: TrellisClientOptions): TrellisClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: options.url,
        headers: options.headers ?? {},
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  })
}
