import { deliverOutbox, type Logger, type MailSender, pruneOutbox } from '@trellis/api'
import type { TrellisDatabase } from '@trellis/db'
import { startBackgroundTask } from './background-task.js'

/**
 * Sends queued mail in the background every `intervalMs`, and deletes rows sent more than
 * `retentionHours` ago. Returns a stop function that waits for a delivery under way; an
 * unreachable database pauses it (startBackgroundTask).
 */
export function startOutboxWorker(
  db: TrellisDatabase,
  sender: MailSender,
  logger: Logger,
  retentionHours: number,
  intervalMs = 1000,
): () => Promise<void> {
  return startBackgroundTask(
    'Outbox delivery',
    () => deliverOutbox(db, sender, logger).then(() => pruneOutbox(db, retentionHours * 3_600_000)),
    logger,
    intervalMs,
  )
}
