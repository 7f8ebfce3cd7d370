/**
 * A host's handle on a browser's session cookie. The API decides when a cookie is set or
 * cleared (login, logout); the host decides how (name, flags, CSRF checks). Hosts without
 * cookie sessions (servers calling with bearer tokens, in-process callers) leave it out.
 */
export interface SessionCookie {
  /** The session token the request's cookie carried, once the host has checked it is no forgery. */
  readonly token: string | undefined
  /** True when the client asked for a cookie session: login then sets the cookie and returns no token. */
  readonly requested: boolean
  /** Points the cookie at a new session. */
  set(token: string, expiresAt: Date): void
  /** Removes the cookie: after a logout, or when its session has ended. */
  clear(): void
}
