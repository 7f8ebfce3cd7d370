import { deliverOutbox, type Logger, type MailSender, pruneOutbox } from '@trellis/api'
import { isDatabaseUnavailable, type TrellisDatabase } from '@trellis/db'

/**
 * Sends queued mail in the background every `intervalMs`, and deletes rows sent more than
 * `retentionHours` ago. Returns a stop function that waits for a delivery under way. A
 * failure never escapes the timer (that would end the process); while the database is
 * unreachable it is logged once, and delivery resumes by itself when it is back.
 */
export function startOutboxWorker(
  db: TrellisDatabase,
  sender: MailSender,
  logger: Logger,
  retentionHours: number,
  intervalMs = 1000,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve()
  let busy = false
  let databaseDown = false
  const timer = setInterval(() => {
    // A delivery stuck on a dead connection must not pile up ticks behind it.
    if (busy) return
    busy = true
    running = deliverOutbox(db, sender, logger)
      .then(() => pruneOutbox(db, retentionHours * 3_600_000))
      .then(() => {
        if (databaseDown) logger.info({}, 'Outbox delivery resumed: the database is back')
        databaseDown = false
      })
      .catch((error: unknown) => {
        if (!isDatabaseUnavailable(error)) return logger.error({ err: error }, 'Outbox delivery failed')
        if (!databaseDown)
          logger.warn(
            { reason: (error as Error).message },
            'Outbox delivery paused: the database is unavailable',
          )
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
