import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client'
import type { AppRouter } from './router-types.js'
import { sessionLink } from './session-link.js'
import { memoryTokenStore, type TokenStore } from './token-store.js'

export interface TrellisClientOptions {
  /** The server's tRPC endpoint, e.g. `http://127.0.0.1:3000/trpc`. */
  readonly url: string
  /** A session token to start with (for instance one kept from an earlier login). */
  readonly token?: string
  /**
   * A service account's API key (`trk_…`), for server-to-server callers. Sent as a bearer
   * credential whenever there is no session token.
   */
  readonly apiKey?: string
  /** Where the session token lives; in memory by default. Give your own to persist it. */
  readonly tokenStore?: TokenStore
  /** Extra headers sent with every call. */
  readonly headers?: Record<string, string> | (() => Record<string, string>)
  /** A fetch implementation, for runtimes without a global one or for tests. */
  readonly fetch?: typeof fetch
}

export type TrellisClient = TRPCClient<AppRouter>

/**
 * A typed client for a Trellis server. Calls that run together are batched into one
 * request. After `auth.login` the client sends the session token with every call; an
 * ended or expired session fails with a `TrellisError` whose `data.code` is `UNAUTHORIZED`.
 *
 * @example
 * const trellis = createTrellisClient({ url: 'http://127.0.0.1:3000/trpc' })
 * await trellis.auth.login.mutate({ email, password })
 * const me = await trellis.auth.me.query()
 *
 * @example
 * const service = createTrellisClient({ url, apiKey: process.env.TRELLIS_API_KEY })
 */
export function createTrellisClient(options: TrellisClientOptions): TrellisClient {
  const store = options.tokenStore ?? memoryTokenStore(options.token)
  if (options.tokenStore && options.token) store.set(options.token)
  const headers = () => {
    const extra = typeof options.headers === 'function' ? options.headers() : (options.headers ?? {})
    const credential = store.get() ?? options.apiKey
    return credential ? { ...extra, authorization: `Bearer ${credential}` } : extra
  }
  return createTRPCClient<AppRouter>({
    links: [
      sessionLink<AppRouter>(store),
      httpBatchLink({
        url: options.url,
        headers,
        // The server refuses bigger batches (TRELLIS_MAX_BATCH_SIZE, 10 by default).
        maxItems: 10,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  })
}
