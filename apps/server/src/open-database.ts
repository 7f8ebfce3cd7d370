import { setTimeout as sleep } from 'node:timers/promises'
import { checkDatabase, type DatabaseConfig, isDatabaseUnavailable, type TrellisDatabase } from '@trellis/db'
import type { Logger } from 'pino'
import type { ServerEnv } from './env.js'

/** The database the settings select, as `createDatabase` takes it: the server's and the CLI's alike. */
export function databaseConfigOf(env: ServerEnv): DatabaseConfig {
  return {
    databaseUrl: env.DATABASE_URL,
    schema: env.TRELLIS_DATABASE_SCHEMA,
    dataDir: env.TRELLIS_DATA_DIR,
    connectTimeoutMs: env.TRELLIS_DATABASE_CONNECT_TIMEOUT_MS,
  }
}

/** The database stayed unreachable for the whole wait; its message is the one line to print. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError'
}

export interface DatabaseWait {
  /** `postgres://…`, only to say where in the log (never its password). */
  readonly databaseUrl: string
  /** How long to keep trying; 0 tries once. */
  readonly waitSeconds: number
  readonly logger: Logger
}

const FIRST_DELAY_MS = 1000
const MAX_DELAY_MS = 5000

/**
 * Opens the database and checks that it answers, trying again with backoff (1 s, 2 s,
 * 4 s, then every 5 s) while it is unreachable, for up to `waitSeconds`: a server and its
 * PostgreSQL often start together. Logs one readable line per failed try. Any other
 * failure (a wrong password, a missing database) is thrown at once.
 *
 * @example
 * const db = await openDatabaseWhenReachable(() => createDatabase({ databaseUrl }), {
 *   databaseUrl, waitSeconds: 30, logger,
 * }) // logs "PostgreSQL at 127.0.0.1:5432 refused the connection; retrying in 1 s"
 */
export async function openDatabaseWhenReachable(
  open: () => Promise<TrellisDatabase>,
  { databaseUrl, waitSeconds, logger }: DatabaseWait,
): Promise<TrellisDatabase> {
  const where = `PostgreSQL at ${addressOf(databaseUrl)}`
  const deadline = Date.now() + waitSeconds * 1000
  let delayMs = FIRST_DELAY_MS
  for (let attempt = 1; ; attempt++) {
    let db: TrellisDatabase | undefined
    try {
      db = await open()
      await checkDatabase(db)
      if (attempt > 1) logger.info(`${where} answered after ${attempt} tries`)
      return db
    } catch (error) {
      await db?.destroy().catch(() => {})
      if (!isDatabaseUnavailable(error)) throw error
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new DatabaseUnreachableError(
          `${where} ${reasonOf(error)}; gave up after ${attempt} ${attempt === 1 ? 'try' : 'tries'} in ${waitSeconds} s (TRELLIS_DATABASE_WAIT_SECONDS)`,
        )
      }
      const wait = Math.min(delayMs, left)
      logger.warn({ attempt }, `${where} ${reasonOf(error)}; retrying in ${seconds(wait)}`)
      await sleep(wait)
      delayMs = Math.min(delayMs * 2, MAX_DELAY_MS)
    }
  }
}

/** `host:port` of a connection URL, without user or password. */
function addressOf(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl)
    const host = url.hostname || url.searchParams.get('host') || 'localhost'
    return `${host}:${url.port || '5432'}`
  } catch {
    return '(unparsable DATABASE_URL)'
  }
}

/** Why the try failed, in words: the first code or message down the cause chain that says. */
function reasonOf(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, cause, errors } = current as {
      code?: unknown
      message?: unknown
      cause?: unknown
      errors?: unknown
    }
    if (code === 'ECONNREFUSED') return 'refused the connection'
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'could not be resolved'
    if (code === 'ETIMEDOUT' || (typeof message === 'string' && /timeout/.test(message)))
      return 'did not answer in time'
    if (code === '57P03') return 'is starting up'
    if (code === '53300') return 'has no free connection slots'
    if (code === 'ECONNRESET' || (typeof message === 'string' && /^Connection terminated/.test(message)))
      return 'closed the connection'
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause
  }
  return 'is unreachable'
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`
}
