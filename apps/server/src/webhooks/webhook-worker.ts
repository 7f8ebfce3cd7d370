import {
  deliverWebhooks,
  type Logger,
  pruneWebhookDeliveries,
  type WebhookDeliveryConfig,
} from '@trellis/api'
import type { TrellisDatabase } from '@trellis/db'
import { startBackgroundTask } from '../background-task.js'

const MAX_BATCHES_A_TICK = 10

/**
 * Sends due webhook deliveries in the background (docs/webhooks.md), and deletes those
 * delivered or given up more than `retentionHours` ago. It looks for due deliveries every
 * second, or every backoff step when that is shorter, so a short backoff is observed.
 * Several servers on one database each run one: a delivery is claimed by one at a time.
 */
export function startWebhookWorker(
  db: TrellisDatabase,
  config: WebhookDeliveryConfig,
  logger: Logger,
  retentionHours: number,
): () => Promise<void> {
  return startBackgroundTask(
    'Webhook delivery',
    async () => {
      // A batch may have left more due: go on until none is, or for a few batches at most,
      // so a backlog never holds a shutdown long.
      for (let batch = 0; batch < MAX_BATCHES_A_TICK; batch++) {
        if ((await deliverWebhooks(db, config, logger)).attempted === 0) break
      }
      await pruneWebhookDeliveries(db, retentionHours * 3_600_000)
    },
    logger,
    Math.min(1000, config.backoffMs),
  )
}
