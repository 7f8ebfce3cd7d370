import type { IncomingMessage, ServerResponse } from 'node:http'
import { CSRF_HEADER, SESSION_MODE_HEADER } from './browser-headers.js'

// What a browser page may send: the SDK's headers plus the cookie session's two.
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'trpc-accept',
  'x-request-id',
  CSRF_HEADER,
  SESSION_MODE_HEADER,
]
const ALLOWED_METHODS = 'GET, POST'
// How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours).
const PREFLIGHT_MAX_AGE_SECONDS = 600

/**
 * Answers cross-origin requests for the origins in `TRELLIS_CORS_ORIGINS` (exact matches;
 * none by default). An allowed origin gets the CORS headers, with credentials; any other
 * gets none, so the browser keeps the response from the page, and its preflight is refused
 * (403). Returns true when it answered the request itself (a preflight).
 *
 * @example
 * if (answerCors(req, res, new Set(['https://app.example.com']))) return
 */
export function answerCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowedOrigins: ReadonlySet<string>,
): boolean {
  // The answer depends on Origin, so a cache must not hand one origin's answer to another.
  res.setHeader('vary', 'Origin')
  const origin = req.headers.origin
  const allowed = origin !== undefined && allowedOrigins.has(origin)
  if (allowed) {
    res.setHeader('access-control-allow-origin', origin)
    res.setHeader('access-control-allow-credentials', 'true')
    // A browser app reads Retry-After to wait out a policy's quota or rate.
    res.setHeader('access-control-expose-headers', 'x-request-id, retry-after')
  }
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
  if (!preflight) return false
  if (allowed) {
    res.statusCode = 204
    res.setHeader('access-control-allow-methods', ALLOWED_METHODS)
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS.join(', '))
    res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS))
  } else {
    res.statusCode = 403
  }
  res.end()
  return true
}
