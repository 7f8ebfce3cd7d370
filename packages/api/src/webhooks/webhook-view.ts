import type { WebhookDeliveriesTable, WebhookSubscribersTable } from '@trellis/db'
import type { Selectable } from 'kysely'

/** A subscriber as `webhookSubscribers.list` shows it: never its secret. */
export interface WebhookView {
  readonly id: string
  readonly url: string
  /** The events it receives; null: every event. */
  readonly events: readonly string[] | null
  readonly enabled: boolean
  readonly createdAt: string
}

export const WEBHOOK_VIEW_COLUMNS = ['id', 'url', 'events', 'enabled', 'created_at'] as const

export function toWebhookView(
  row: Pick<Selectable<WebhookSubscribersTable>, (typeof WEBHOOK_VIEW_COLUMNS)[number]>,
): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    enabled: row.enabled,
    createdAt: row.created_at.toISOString(),
  }
}

/** `pending` until answered 2xx (`delivered`) or out of attempts (`failed`). */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

/** One event for one subscriber, as `webhookSubscribers.deliveries` shows it. */
export interface WebhookDeliveryView {
  readonly id: string
  readonly eventId: string
  readonly event: string
  readonly payload: unknown
  readonly status: DeliveryStatus
  readonly attempts: number
  /** When it is tried next; null once delivered or given up. */
  readonly nextAttemptAt: string | null
  readonly deliveredAt: string | null
  readonly lastError: string | null
  readonly createdAt: string
}

export function toWebhookDeliveryView(row: Selectable<WebhookDeliveriesTable>): WebhookDeliveryView {
  const status: DeliveryStatus = row.delivered_at ? 'delivered' : row.gave_up_at ? 'failed' : 'pending'
  return {
    id: row.id,
    eventId: row.event_id,
    event: row.event,
    payload: row.payload,
    status,
    attempts: row.attempts,
    nextAttemptAt: status === 'pending' ? row.next_attempt_at.toISOString() : null,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
  }
}
