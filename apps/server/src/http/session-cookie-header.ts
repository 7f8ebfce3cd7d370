import type { IncomingMessage } from 'node:http'
import { SESSION_COOKIE_NAME } from './browser-headers.js'

/** The session token in a request's `Cookie` header, if any. */
export function sessionTokenOf(req: IncomingMessage): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=')
    if (separator > 0 && pair.slice(0, separator).trim() === SESSION_COOKIE_NAME) {
      const value = pair.slice(separator + 1).trim()
      return value === '' ? undefined : value
    }
  }
  return undefined
}

/**
 * A `Set-Cookie` value for the session: httpOnly so page scripts never read it,
 * `SameSite=Strict` so no request started by another site carries it, `Secure` when the
 * server is reached over HTTPS. A null token clears it.
 *
 * @example
 * sessionCookieHeader('trs_…', new Date('2030-01-01'), true)
 * // trellis_session=trs_…; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly; SameSite=Strict; Secure
 */
export function sessionCookieHeader(token: string | null, expiresAt: Date, secure: boolean): string {
  const parts = [
    `${SESSION_COOKIE_NAME}=${token ?? ''}`,
    'Path=/',
    `Expires=${(token === null ? new Date(0) : expiresAt).toUTCString()}`,
    'HttpOnly',
    'SameSite=Strict',
  ]
  if (secure) parts.push('Secure')
  return parts.join('; ')
}
