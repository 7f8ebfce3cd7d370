import { isDatabaseUnavailable } from '@trellis/db'
import type { Logger } from 'pino'

/**
 * The process's last resort. A database connection that fails outside any call (an
 * `'error'` event or a rejection nobody awaited, from a driver) must not stop the server:
 * it is logged in one line and the next call reconnects or answers 503. Anything else
 * is a bug and ends the process, as Node would, after a fatal log line.
 */
export function surviveDatabaseFaults(logger: Logger): void {
  process.on('uncaughtException', (error, origin) => {
    if (isDatabaseUnavailable(error)) {
      logger.error(
        { origin, reason: error.message },
        'A database connection failed outside any call; still serving',
      )
      return
    }
    logger.fatal({ err: error, origin }, 'Trellis crashed')
    process.exit(1)
  })
}
