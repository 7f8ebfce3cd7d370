import type { IncomingMessage } from 'node:http'
import { CSRF_HEADER } from './browser-headers.js'

/**
 * Why a cookie-session request may be a cross-site forgery, or undefined when it is not:
 * it must carry `x-trellis-csrf: 1`, and an Origin, when it sends one, must be the
 * server's own or an allowed one. (Browsers omit Origin on some same-origin GETs.)
 */
export function csrfProblem(
  req: IncomingMessage,
  allowedOrigins: ReadonlySet<string>,
  ownOrigin: string,
): string | undefined {
  if (req.headers[CSRF_HEADER] !== '1') return `A cookie session call must send the header ${CSRF_HEADER}: 1`
  const origin = req.headers.origin
  if (origin !== undefined && origin !== ownOrigin && !allowedOrigins.has(origin))
    return 'A cookie session call from this origin is refused: it is not in TRELLIS_CORS_ORIGINS'
  return undefined
}
