import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AppRouter, Context } from '@trellis/api'
import type { TRPCError } from '@trpc/server'
import { createURL, internal_exceptionHandler } from '@trpc/server/adapters/node-http'
import { createHTTPHandler } from '@trpc/server/adapters/standalone'
import { resolveResponse } from '@trpc/server/http'
import { readBody } from './read-body.js'
import { retryAfterSeconds } from './retry-after.js'

export interface TrpcHandlerOptions {
  readonly router: AppRouter
  /** Where the API answers, with its trailing slash: `/trpc/`. */
  readonly basePath: string
  readonly maxBodyBytes: number
  /** Over this many calls a batch is refused whole with BAD_REQUEST before any call runs. */
  readonly maxBatchSize: number
  readonly createContext: (req: IncomingMessage, res: ServerResponse) => Context
  readonly onError: (failure: {
    readonly error: TRPCError
    readonly path: string | undefined
    readonly ctx: Context | undefined
  }) => void
}

/**
 * The members of a Fetch `Request` that tRPC's `resolveResponse` reads for a JSON call
 * (tRPC 11.22.1, pinned); it is handed over as a `Request`, and the e2e suites exercise each.
 */
interface JsonCallRequest {
  readonly method: string
  readonly url: string
  readonly signal: AbortSignal
  readonly headers: Pick<Headers, 'get' | 'has'>
  json(): Promise<unknown>
}

/**
 * Serves tRPC calls. A plain JSON call (a GET, or a POST of `application/json`, not asking
 * for a streamed answer: everything the SDK sends) goes to tRPC's `resolveResponse` with a
 * thin view of the Node request, and its answer is written with one `res.end` and a
 * content-length. tRPC's standalone adapter would build a Fetch `Request` (URL, `Headers`,
 * body stream) and pipe the answer through a `WritableStream` as a chunked response: ~30%
 * of a trivial call's server CPU. Anything else (a streamed batch, a subscription's event
 * stream, form data, HEAD) goes to that adapter, which answers it as before.
 */
export function createTrpcHandler(options: TrpcHandlerOptions) {
  const { router, basePath, maxBodyBytes, maxBatchSize } = options
  // tRPC writes its own `Vary`, over the one the CORS layer set; this adds Origin back to it.
  // A call refused by a policy's quota or rate says in `Retry-After` when to call again.
  const responseMeta = ({ errors }: { readonly errors: readonly TRPCError[] }) => {
    const headers = new Headers([['vary', 'Origin']])
    const retryAfter = retryAfterSeconds(errors, Date.now())
    if (retryAfter !== undefined) headers.set('retry-after', String(retryAfter))
    return { headers }
  }
  const onError = ({ error, path, ctx }: Parameters<TrpcHandlerOptions['onError']>[0]) =>
    options.onError({ error, path, ctx })
  const streamingAdapter = createHTTPHandler({
    router,
    basePath,
    maxBodySize: maxBodyBytes,
    maxBatchSize,
    responseMeta,
    createContext: ({ req, res }) => options.createContext(req, res),
    onError,
  })

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isPlainJsonCall(req)) return streamingAdapter(req, res)
    let path = ''
    try {
      const url = createURL(req)
      path = url.pathname.slice(basePath.length)
      const response = await resolveResponse({
        router,
        req: jsonCallRequest(req, url.href, abortSignalOf(res), maxBodyBytes) as Request,
        path,
        error: null,
        maxBatchSize,
        responseMeta,
        createContext: async () => options.createContext(req, res),
        onError,
      })
      const body = await response.text()
      if (res.statusCode === 200) res.statusCode = response.status
      // tRPC's answer carries content-type and vary; cookies are set on `res` by the session.
      for (const [key, value] of response.headers) res.setHeader(key, value)
      res.setHeader('content-length', Buffer.byteLength(body))
      res.end(body)
    } catch (cause) {
      internal_exceptionHandler({
        router,
        req,
        res,
        path,
        createContext: () => options.createContext(req, res),
        onError,
      })(cause)
    }
  }
}

/** False for what tRPC's own adapter must answer: streams, form data, HEAD and the like. */
function isPlainJsonCall(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? ''
  const streamed = accept.includes('application/jsonl') || accept.includes('text/event-stream')
  if (streamed || req.headers['trpc-accept'] !== undefined) return false
  if (req.method === 'GET') return true
  const mediaType = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase()
  return req.method === 'POST' && mediaType === 'application/json'
}

/** Aborted when the client leaves before the answer was written, as tRPC's adapter does. */
function abortSignalOf(res: ServerResponse): AbortSignal {
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableEnded) controller.abort()
  })
  return controller.signal
}

function jsonCallRequest(
  req: IncomingMessage,
  url: string,
  signal: AbortSignal,
  maxBodyBytes: number,
): JsonCallRequest {
  return {
    method: req.method ?? 'GET',
    url,
    signal,
    headers: {
      get: (name) => {
        const value = req.headers[name.toLowerCase()]
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
      },
      has: (name) => req.headers[name.toLowerCase()] !== undefined,
    },
    json: async () => JSON.parse(await readBody(req, maxBodyBytes)),
  }
}
