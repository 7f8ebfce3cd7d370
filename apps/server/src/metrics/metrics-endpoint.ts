import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ApiDependencies, appRouter, createContext } from '@trellis/api'
import { getTRPCErrorFromUnknown } from '@trpc/server'
import type { ServerMetrics } from './server-metrics.js'

/** `TRELLIS_METRICS`: who may read `/metrics`. */
export type MetricsAccess = 'off' | 'on' | 'open'

/**
 * Answers `GET /metrics` with the Prometheus text. With access `on`, the caller must be
 * allowed `system.metrics`, decided by calling that procedure with the request's
 * credential (an API key as `Authorization: Bearer trk_…`, which is what a Prometheus
 * scrape config can send): the same gate, audit of refusals and access log as over tRPC.
 * `open` serves anyone who reaches the port (a private scrape network).
 */
export async function answerMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  request: { readonly requestId: string; readonly access: Exclude<MetricsAccess, 'off'> },
  dependencies: ApiDependencies,
  metrics: ServerMetrics,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed\n')
  if (request.access === 'on') {
    const refusal = await metricsRefusal(req, request.requestId, dependencies)
    if (refusal) {
      if (refusal.status === 401) res.setHeader('www-authenticate', 'Bearer')
      return sendText(res, refusal.status, `${refusal.message}\n`)
    }
  }
  const { contentType, text } = await metrics.scrape()
  res.setHeader('content-type', contentType)
  sendText(res, 200, req.method === 'HEAD' ? '' : text)
}

/** Why the request may not read metrics, as an HTTP status; undefined when it may. */
async function metricsRefusal(
  req: IncomingMessage,
  requestId: string,
  dependencies: ApiDependencies,
): Promise<{ status: number; message: string } | undefined> {
  const caller = appRouter.createCaller(
    createContext(dependencies, {
      requestId,
      clientAddress: req.socket.remoteAddress,
      // Only a header: a browser's session cookie is no credential for a scrape.
      authorization: req.headers.authorization,
    }),
  )
  try {
    await caller.system.metrics()
    return undefined
  } catch (error) {
    const { code, message } = getTRPCErrorFromUnknown(error)
    if (code === 'UNAUTHORIZED') return { status: 401, message }
    if (code === 'SERVICE_UNAVAILABLE') return { status: 503, message }
    if (code === 'INTERNAL_SERVER_ERROR') throw error
    return { status: 403, message: 'Metrics need a caller allowed system.metrics' }
  }
}

function sendText(res: ServerResponse, status: number, text: string) {
  res.statusCode = status
  if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/plain; charset=utf-8')
  res.end(text)
}
