import type { Logger } from '@trellis/api'
import { isDatabaseUnavailable } from '@trellis/db'

/**
 * Runs `task` every `intervalMs` in the background, one run at a time, until the returned
 * stop function, which waits for a run under way. A failure never escapes the timer (that
 * would end the process); while the database is unreachable it is logged once as
 * `<name> paused`, and the task resumes by itself when it is back.
 */
export function startBackgroundTask(
  name: string,
  task: () => Promise<unknown>,
  logger: Logger,
  intervalMs: number,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve()
  let busy = false
  let databaseDown = false
  const timer = setInterval(() => {
    // A run stuck on a dead connection must not pile up ticks behind it.
    if (busy) return
    busy = true
    running = task()
      .then(() => {
        if (databaseDown) logger.info({}, `${name} resumed: the database is back`)
        databaseDown = false
      })
      .catch((error: unknown) => {
        if (!isDatabaseUnavailable(error)) return logger.error({ err: error }, `${name} failed`)
        if (!databaseDown)
          logger.warn({ reason: (error as Error).message }, `${name} paused: the database is unavailable`)
        databaseDown = true
      })
      .finally(() => {
        busy = false
      })
  }, intervalMs)
  timer.unref()
  return async () => {
    clearInterval(timer)
    await running
  }
}
