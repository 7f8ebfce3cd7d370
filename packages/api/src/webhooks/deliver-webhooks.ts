import type { TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import type { Logger } from '../logger.js'
import { postWebhook } from './post-webhook.js'
import { claimLeaseMs, retryDelayMs, type WebhookDeliveryConfig } from './webhook-delivery-config.js'

interface ClaimedDelivery {
  id: string
  subscriber_id: string
  event_id: string
  payload: unknown
  attempts: number
  url: string
  secret: string
}

/**
 * Claims due deliveries of enabled subscribers for one attempt each: counts the attempt and moves their next
 * attempt past the lease in one statement, the rows chosen with SKIP LOCKED. Another
 * worker, in this process or another server, skips them while locked and finds them not
 * due once committed, so no delivery is sent by two workers at once; no transaction is
 * held while the requests run.
 */
async function claimDue(
  db: TrellisDatabase,
  config: WebhookDeliveryConfig,
  batchSize: number,
): Promise<ClaimedDelivery[]> {
  const { rows } = await sql<ClaimedDelivery>`
    update webhook_deliveries as d
    set attempts = d.attempts + 1,
        next_attempt_at = now() + ${claimLeaseMs(config)}::integer * interval '1 millisecond'
    from webhook_subscribers as s
    where s.id = d.subscriber_id
      and d.id in (
        select due.id from webhook_deliveries as due
        join webhook_subscribers as subscriber on subscriber.id = due.subscriber_id
        where due.delivered_at is null and due.gave_up_at is null and due.next_attempt_at <= now()
          and subscriber.enabled
        order by due.next_attempt_at
        limit ${batchSize}
        for update of due skip locked
      )
    returning d.id, d.subscriber_id, d.event_id, d.payload, d.attempts, s.url, s.secret
  `.execute(db)
  return rows
}

/**
 * Records how an attempt went. Only if no other worker claimed the delivery since (its
 * lease ran out): that worker's outcome is the one that counts.
 */
async function recordOutcome(
  db: TrellisDatabase,
  config: WebhookDeliveryConfig,
  delivery: ClaimedDelivery,
  failure: string | null,
): Promise<void> {
  const now = new Date()
  const outcome =
    failure === null
      ? { delivered_at: now, last_error: null }
      : delivery.attempts >= config.maxAttempts
        ? { gave_up_at: now, last_error: failure }
        : {
            next_attempt_at: new Date(now.getTime() + retryDelayMs(config, delivery.attempts)),
            last_error: failure,
          }
  await db
    .updateTable('webhook_deliveries')
    .set(outcome)
    .where('id', '=', delivery.id)
    .where('attempts', '=', delivery.attempts)
    .execute()
}

/**
 * Sends the deliveries that are due, each once, in parallel; a failed one is retried later
 * with exponential backoff, then given up after `maxAttempts` (docs/webhooks.md).
 *
 * @returns how many were attempted, and how many of those delivered
 */
export async function deliverWebhooks(
  db: TrellisDatabase,
  config: WebhookDeliveryConfig,
  logger: Logger,
  batchSize = 20,
): Promise<{ attempted: number; delivered: number }> {
  const claimed = await claimDue(db, config, batchSize)
  const outcomes = await Promise.all(
    claimed.map(async (delivery) => {
      const failure = await postWebhook({
        url: delivery.url,
        secret: delivery.secret,
        eventId: delivery.event_id,
        body: JSON.stringify(delivery.payload),
        timeoutMs: config.timeoutMs,
      })
      if (failure !== null)
        logger.warn(
          {
            deliveryId: delivery.id,
            subscriberId: delivery.subscriber_id,
            attempts: delivery.attempts,
            reason: failure,
          },
          delivery.attempts >= config.maxAttempts
            ? 'Webhook delivery failed; given up'
            : 'Webhook delivery failed; will retry',
        )
      await recordOutcome(db, config, delivery, failure)
      return failure === null
    }),
  )
  return { attempted: claimed.length, delivered: outcomes.filter(Boolean).length }
}

/**
 * Deletes deliveries delivered or given up more than `retentionMs` ago.
 *
 * @returns how many rows were deleted
 */
export async function pruneWebhookDeliveries(db: TrellisDatabase, retentionMs: number): Promise<number> {
  const cutoff = new Date(Date.now() - retentionMs)
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where((eb) => eb.or([eb('delivered_at', '<', cutoff), eb('gave_up_at', '<', cutoff)]))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
