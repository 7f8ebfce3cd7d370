import { createTRPCClient, httpBatchLink, type TRPCClient, type TRPCLink } from '@trpc/client'
import { AUTHORIZATION_CONTEXT_KEY, credentialsLink } from './credentials-link.js'
import type { AppRouter } from './router-types.js'
import { memoryTokenStore, type TokenStore } from './token-store.js'

export interface TrellisHttpOptions {
  /** The server's tRPC endpoint, e.g. `http://127.0.0.1:3000/trpc`. */
  readonly url: string
  /** Extra headers sent with every call. */
  readonly headers?: Record<string, string> | (() => Record<string, string>)
  /** A fetch implementation, for runtimes without a global one or for tests. */
  readonly fetch?: typeof fetch
}

/**
 * The link that sends calls to the server, batched, with the credential `credentialsLink`
 * attached. It ends a chain of links.
 */
export function trellisHttpLink(options: TrellisHttpOptions): TRPCLink<AppRouter> {
  return httpBatchLink({
    url: options.url,
    headers: ({ opList }) => {
      const extra = typeof options.headers === 'function' ? options.headers() : (options.headers ?? {})
      // One client's calls carry one credential, so the batch's first call speaks for all.
      const authorization = opList[0].context[AUTHORIZATION_CONTEXT_KEY]
      return typeof authorization === 'string' ? { ...extra, authorization } : extra
    },
    // The server refuses bigger batches (TRELLIS_MAX_BATCH_SIZE, 10 by default).
    maxItems: 10,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
}

export interface TrellisClientOptions extends TrellisHttpOptions {
  /** A session token to start with (for instance one kept from an earlier login). */
  readonly token?: string
  /**
   * A service account's API key (`trk_…`), for server-to-server callers. Sent as a bearer
   * credential whenever there is no session token.
   */
  readonly apiKey?: string
  /**
   * Where the session token lives: in memory by default; `webStorageTokenStore(localStorage)`
   * in a browser, or your own `{ get, set, clear }` (which may return promises).
   */
  readonly tokenStore?: TokenStore
  /** Your own links (logging, retry), run before the credentials are attached. */
  readonly links?: readonly TRPCLink<AppRouter>[]
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
  const tokenStore = options.tokenStore ?? memoryTokenStore(options.token)
  if (options.tokenStore && options.token) void tokenStore.set(options.token)
  return createTRPCClient<AppRouter>({
    links: [
      ...(options.links ?? []),
      credentialsLink<AppRouter>({ tokenStore, ...(options.apiKey ? { apiKey: options.apiKey } : {}) }),
      trellisHttpLink(options),
    ],
  })
}
