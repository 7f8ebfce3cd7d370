import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { SessionCookie } from '@trellis/api'
import { SESSION_MODE_HEADER } from './browser-headers.js'
import { csrfProblem } from './csrf-check.js'
import { sessionCookieHeader, sessionTokenOf } from './session-cookie-header.js'

export interface BrowserPolicy {
  /** `TRELLIS_CORS_ORIGINS`: the other origins whose pages may call. */
  readonly allowedOrigins: ReadonlySet<string>
  /** `TRELLIS_PUBLIC_URL`: where browsers reach the server, when a proxy stands in front. */
  readonly publicUrl: URL | undefined
}

/** What one request tells the API about a browser's cookie session. */
export interface BrowserSessionFacts {
  readonly sessionCookie?: SessionCookie
  readonly refusal?: string
}

/**
 * The cookie session of a request that uses one: it carries the session cookie and no
 * `Authorization` header, or asks for a cookie at login. Such a request must pass the CSRF
 * check, or every call in it is refused. Any other request (a server's bearer token or
 * API key) is left as it was and never gets a cookie.
 */
export function browserSessionOf(
  req: IncomingMessage,
  res: ServerResponse,
  policy: BrowserPolicy,
): BrowserSessionFacts {
  const token = sessionTokenOf(req)
  const requested = req.headers[SESSION_MODE_HEADER] === 'cookie'
  const bearer = req.headers.authorization !== undefined && req.headers.authorization !== ''
  if (!requested && (token === undefined || bearer)) return {}
  // Behind a TLS-terminating proxy the socket is plain: TRELLIS_PUBLIC_URL says https then.
  const secure = policy.publicUrl
    ? policy.publicUrl.protocol === 'https:'
    : (req.socket as Partial<TLSSocket>).encrypted === true
  const ownOrigin = policy.publicUrl?.origin ?? `${secure ? 'https' : 'http'}://${req.headers.host ?? ''}`
  const refusal = csrfProblem(req, policy.allowedOrigins, ownOrigin)
  if (refusal !== undefined) return { refusal }
  // The calls of one batch run concurrently: a clear (of the cookie this request came with)
  // must not undo the new session a login in the same batch has just set.
  let replaced = false
  return {
    sessionCookie: {
      token: bearer ? undefined : token,
      requested,
      set: (value, expiresAt) => {
        replaced = true
        res.setHeader('set-cookie', sessionCookieHeader(value, expiresAt, secure))
      },
      clear: () => {
        if (!replaced) res.setHeader('set-cookie', sessionCookieHeader(null, new Date(0), secure))
      },
    },
  }
}
