import type { TrellisDatabase } from '@trellis/db'
import { findApiKeyUser } from './api-key-caller.js'
import { API_KEY_PREFIX } from './api-key-secret.js'
import type { AuthConfig } from './auth-config.js'
import type { SessionCookie } from './session-cookie.js'
import { findSession, SESSION_TOKEN_PREFIX } from './sessions.js'

export type CallerResolution =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'session'
      readonly userId: string
      readonly sessionId: string
      readonly accessVersion: string
    }
  | { readonly kind: 'apiKey'; readonly userId: string; readonly accessVersion: string }
  | { readonly kind: 'invalid' }

const BEARER = /^Bearer ([A-Za-z0-9_.-]{8,512})$/

/**
 * Who an `Authorization` header (a session token or a service's API key) says the caller is,
 * with `access_version` read by the same statement. No header: anonymous. A header that
 * is malformed, unknown, expired or revoked: invalid, and the call is refused whatever it is.
 * Without a header, a browser's session cookie counts; a cookie whose session has ended is
 * cleared and the caller is anonymous (refusing it would refuse the login that replaces it).
 */
export async function resolveCaller(
  db: TrellisDatabase,
  authorization: string | undefined,
  config: AuthConfig,
  cookie?: SessionCookie,
): Promise<CallerResolution> {
  if ((authorization === undefined || authorization === '') && cookie?.token !== undefined) {
    const session = cookie.token.startsWith(SESSION_TOKEN_PREFIX)
      ? await findSession(db, cookie.token, config)
      : null
    if (session) return { kind: 'session', ...session }
    cookie.clear()
    return { kind: 'anonymous' }
  }
  if (authorization === undefined || authorization === '') return { kind: 'anonymous' }
  const token = BEARER.exec(authorization)?.[1]
  if (token?.startsWith(SESSION_TOKEN_PREFIX)) {
    const session = await findSession(db, token, config)
    return session ? { kind: 'session', ...session } : { kind: 'invalid' }
  }
  if (token?.startsWith(API_KEY_PREFIX)) {
    const apiKey = await findApiKeyUser(db, token)
    return apiKey ? { kind: 'apiKey', ...apiKey } : { kind: 'invalid' }
  }
  return { kind: 'invalid' }
}
