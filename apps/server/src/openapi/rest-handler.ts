import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AppRouter, Context } from '@trellis/api'
import { callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, TRPCError } from '@trpc/server'
import { getHTTPStatusCodeFromError } from '@trpc/server/http'
import { readBody } from '../http/read-body.js'
import { retryAfterSeconds } from '../http/retry-after.js'
import type { TrpcHandlerOptions } from '../http/trpc-handler.js'
import { queryInputOf } from './query-input.js'
import type { RestOperation } from './rest-operations.js'

export interface RestHandlerOptions {
  readonly router: AppRouter
  readonly operations: readonly RestOperation[]
  readonly maxBodyBytes: number
  readonly createContext: (req: IncomingMessage, res: ServerResponse) => Context
  readonly onError: TrpcHandlerOptions['onError']
}

/**
 * Serves the REST routes. Each calls its procedure through tRPC's own `callProcedure`, the
 * path the tRPC endpoint takes, so the permission check, audit, transaction and errors are
 * the procedure's and nothing is repeated here: this only maps HTTP to a call and back.
 * An answer is the procedure's output as JSON; a failure is the tRPC error's `message` and
 * `data` (code, reason, inputIssues, ...) as one flat object, with the same HTTP status.
 */
export function createRestHandler(options: RestHandlerOptions) {
  const { router, maxBodyBytes } = options
  const byPath = new Map(options.operations.map((operation) => [operation.path, operation]))

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const operation = byPath.get(url.pathname)
    if (!operation) return sendJson(res, 404, { error: 'Not found' })
    if (req.method?.toLowerCase() !== operation.method) {
      res.setHeader('allow', operation.method.toUpperCase())
      return sendJson(res, 405, { error: 'Method not allowed' })
    }
    const path = operation.procedure
    let ctx: Context | undefined
    let input: unknown
    try {
      ctx = options.createContext(req, res)
      input =
        operation.method === 'get'
          ? queryInputOf(url.searchParams, operation.input)
          : await bodyInputOf(req, maxBodyBytes)
      const output = await callTRPCProcedure({
        router,
        path,
        type: operation.type,
        ctx,
        getRawInput: async () => input,
        signal: undefined,
        batchIndex: 0,
      })
      sendJson(res, 200, output ?? null)
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause)
      options.onError({ error, path, ctx })
      const shape = getErrorShape({
        config: router._def._config,
        error,
        type: operation.type,
        path,
        input,
        ctx,
      })
      const retryAfter = retryAfterSeconds([error], Date.now())
      if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter))
      sendJson(res, getHTTPStatusCodeFromError(error), { message: shape.message, ...shape.data })
    }
  }
}

/** A write's JSON body; an empty body is no input (for procedures that take none). */
async function bodyInputOf(req: IncomingMessage, maxBodyBytes: number): Promise<unknown> {
  const mediaType = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase()
  const text = await readBody(req, maxBodyBytes)
  if (text.trim() === '') return undefined
  if (mediaType !== 'application/json') {
    throw new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json' })
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new TRPCError({ code: 'PARSE_ERROR', message: 'The body is not valid JSON', cause })
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('content-type', 'application/json')
  res.setHeader('content-length', Buffer.byteLength(text))
  res.end(text)
}
