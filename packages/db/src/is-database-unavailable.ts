// SQLSTATEs that mean "the server went away or is not taking connections yet", not "your
// query is wrong": admin shutdown, crash shutdown, starting up, too many connections.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300'])

// Socket-level failures Node reports while connecting or talking to the server.
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

// What `pg`, `pg-pool`, kysely and PGlite say, without a code, when a connection is gone
// or could not be made in time, or the handle was closed under the caller.
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // pg: unexpectedly, or due to connection timeout
  /^timeout exceeded when trying to connect$/, // pg-pool: no connection within connectionTimeoutMillis
  /is not queryable$/, // pg: a client whose connection already failed
  /^Postgres connection has been discarded$/, // kysely: after a failed rollback
  /^PGlite is clos(ed|ing)$/,
  /^driver has already been destroyed$/, // kysely: the database handle was closed
  /^Cannot use a pool after calling end on the pool$/,
]

const MAX_CAUSE_DEPTH = 5

/**
 * Whether an error means the database could not be reached or dropped the connection
 * (so the same call may well succeed later), as opposed to a bug or a refused query.
 * Looks through `cause` chains (tRPC and kysely wrap errors) and `AggregateError`s (Node
 * tries every address of a host). Works for `pg` and PGlite errors.
 *
 * @example
 * try { await db.selectFrom('users').selectAll().execute() }
 * catch (error) { if (isDatabaseUnavailable(error)) answer503() else throw error }
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > MAX_CAUSE_DEPTH) return false
  const { code, message, cause, errors } = error as {
    code?: unknown
    message?: unknown
    cause?: unknown
    errors?: unknown
  }
  if (typeof code === 'string') {
    if (UNAVAILABLE_STATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code)) return true
    // Class 08: connection exception (08000, 08001 cannot connect, 08006 failure, ...).
    if (/^08[0-9A-Z]{3}$/.test(code)) return true
  }
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message)))
    return true
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true
  return isDatabaseUnavailable(cause, depth + 1)
}
