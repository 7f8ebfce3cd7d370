/**
 * Sent with every cookie-session call. A cross-site form or link cannot add a header, and
 * a script on another origin can only after a preflight, which Trellis refuses unless the
 * origin is allowed: so a call carrying it was not forged by another site.
 */
export const CSRF_HEADER = 'x-trellis-csrf'

/** Sent with `auth.login` (value `cookie`) to get a cookie session instead of a token. */
export const SESSION_MODE_HEADER = 'x-trellis-session'

/** The cookie holding a browser's session token. */
export const SESSION_COOKIE_NAME = 'trellis_session'
