import { deliverOutbox, type Logger, type MailSender, pruneOutbox } from '@trellis/api'
import type { TrellisDatabase } from '@trellis/db'

/**
 * Sends queued mail in the background every `intervalMs`, and deletes rows sent more than
 * `retentionHours` ago. Returns a stop function that waits for a delivery under way.
 */
export function startOutboxWorker(
  db: TrellisDatabase,
  sender: MailSender,
  logger: Logger,
  retentionHours: number,
  intervalMs = 1000,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    running = running
      .then(() => deliverOutbox(db, sender, logger))
      .then(() => pruneOutbox(db, retentionHours * 3_600_000))
      .catch((error: unknown) => logger.error({ err: error }, 'Outbox delivery failed'))
  }, intervalMs)
  timer.unref()
  return async () => {
    clearInterval(timer)
    await running
  }
}
