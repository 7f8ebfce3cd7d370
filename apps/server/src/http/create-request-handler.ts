import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ApiDependencies, appRouter, createContext } from '@trellis/api'
import { checkDatabase, isDatabaseUnavailable } from '@trellis/db'
import type { Logger } from 'pino'
import { answerMetrics, type MetricsAccess } from '../metrics/metrics-endpoint.js'
import type { ServerMetrics } from '../metrics/server-metrics.js'
import { openApiPages } from '../openapi/openapi-routes.js'
import { createRestHandler } from '../openapi/rest-handler.js'
import { REST_BASE_PATH, restOperationsOf } from '../openapi/rest-operations.js'
import { type BrowserPolicy, browserSessionOf } from './browser-session.js'
import { answerCors } from './cors-policy.js'
import { requestIdOf } from './request-identity.js'
import { consoleFiles } from './serve-console.js'
import { createTrpcHandler, type TrpcHandlerOptions } from './trpc-handler.js'

export const TRPC_BASE_PATH = '/trpc'
const MAX_BODY_BYTES = 1024 * 1024

export interface RequestHandlerOptions extends ApiDependencies {
  readonly logger: Logger
  /** True once shutdown began: health then answers 503 so balancers stop sending. */
  readonly isShuttingDown: () => boolean
  /** The most calls one batched request may carry (`TRELLIS_MAX_BATCH_SIZE`). */
  readonly maxBatchSize: number
  /** Which other origins' pages may call, and where browsers reach the server. */
  readonly browsers: BrowserPolicy
  /** The built web console's folder, served at `/`; nothing is served if it was not built. */
  readonly consoleDir?: string
  /** What `/metrics` serves, and to whom (`TRELLIS_METRICS`); not served without. */
  readonly metrics?: { readonly access: Exclude<MetricsAccess, 'off'>; readonly collected: ServerMetrics }
}

/**
 * Routes `/health`, `/metrics`, `/trpc/*`, the REST routes `/api/*` with their document
 * (`/openapi.json`, `/docs/api`) and the web console's files; anything else is a JSON 404.
 */
export function createRequestHandler(options: RequestHandlerOptions) {
  const { db, dialect, logger, auth, effects, onCall, metrics } = options
  const dependencies = { db, dialect, logger, auth, effects, onCall }
  const requestIds = new WeakMap<IncomingMessage, string>()
  const trpc = createTrpcHandler({
    router: appRouter,
    basePath: `${TRPC_BASE_PATH}/`,
    maxBodyBytes: MAX_BODY_BYTES,
    // One request must not fan out into unbounded work (a batch of 60 logins, say).
    maxBatchSize: options.maxBatchSize,
    createContext: callContext,
    onError: logFailure,
  })
  const operations = restOperationsOf(appRouter)
  // The REST routes call the same procedures with the same context (credentials, cookie
  // session and its CSRF check), so a route is gated exactly like its tRPC twin.
  const rest = createRestHandler({
    router: appRouter,
    operations,
    maxBodyBytes: MAX_BODY_BYTES,
    createContext: callContext,
    onError: logFailure,
  })
  const serveOpenApi = openApiPages(operations)

  function callContext(req: IncomingMessage, res: ServerResponse) {
    return createContext(dependencies, {
      requestId: requestIds.get(req) ?? requestIdOf(req),
      clientAddress: req.socket.remoteAddress,
      authorization: req.headers.authorization,
      ...browserSessionOf(req, res, options.browsers),
    })
  }
  function logFailure({ error, path, ctx }: Parameters<TrpcHandlerOptions['onError']>[0]) {
    const fields = { requestId: ctx?.requestId, path, code: error.code }
    // Expected failures (bad input, missing rights) are the caller's business, told in
    // the access line; only unexpected ones are ours, and only those carry the cause.
    if (error.code === 'INTERNAL_SERVER_ERROR')
      logger.error({ ...fields, err: error.cause ?? error }, 'Call failed')
    else if (error.code === 'SERVICE_UNAVAILABLE')
      logger.warn({ ...fields, reason: error.cause?.message }, 'Call failed: the database is unavailable')
    else logger.debug(fields, 'Call refused')
  }

  const serveConsole = options.consoleDir ? consoleFiles(options.consoleDir) : undefined

  return async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdOf(req)
    requestIds.set(req, requestId)
    res.setHeader('x-request-id', requestId)
    // A request's line is a debug line: below that level it costs no timer and no listener.
    if (logger.isLevelEnabled('debug')) {
      const started = performance.now()
      res.on('finish', () => {
        logger.debug(
          {
            requestId,
            method: req.method,
            path: (req.url ?? '').split('?')[0],
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'Request',
        )
      })
    }
    if (answerCors(req, res, options.browsers.allowedOrigins)) return
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (path === '/health') return answerHealth(options, req, res)
    // Reserved even when off, so a scrape gets a plain 404 rather than the console's page.
    if (path === '/metrics') {
      if (!metrics) return sendJson(res, 404, { error: 'Not found' })
      return answerMetrics(req, res, { requestId, access: metrics.access }, dependencies, metrics.collected)
    }
    if (path === TRPC_BASE_PATH || path.startsWith(`${TRPC_BASE_PATH}/`)) return trpc(req, res)
    if (path.startsWith(`${REST_BASE_PATH}/`))
      return rest(req, res, new URL(req.url ?? '/', 'http://localhost'))
    if (serveOpenApi(req, res, path)) return
    if (serveConsole && (await serveConsole(req, res, path))) return
    sendJson(res, 404, { error: 'Not found' })
  }
}

async function answerHealth(options: RequestHandlerOptions, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendJson(res, 405, { error: 'Method not allowed' })
  }
  if (options.isShuttingDown()) return sendJson(res, 503, { status: 'shutting-down' })
  try {
    await checkDatabase(options.db)
    sendJson(res, 200, { status: 'ok', database: options.dialect })
  } catch (error) {
    // An outage is expected news, said in one line; anything else keeps its stack.
    if (isDatabaseUnavailable(error))
      options.logger.warn({ reason: (error as Error).message }, 'Health check: database unreachable')
    else options.logger.error({ err: error }, 'Health check: database unreachable')
    sendJson(res, 503, { status: 'unavailable' })
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(body))
}
