import { type TrellisDatabase, toCount } from '@trellis/db'

/** Webhook deliveries not yet acknowledged: still tried, or given up after every attempt failed. */
export interface WebhookDeliveryCounts {
  readonly pending: number
  readonly givenUp: number
}

/** The webhook backlog, for metrics: one statement over the undelivered rows. */
export async function countWebhookDeliveries(db: TrellisDatabase): Promise<WebhookDeliveryCounts> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => [
      eb.fn.countAll<string>().filterWhere('gave_up_at', 'is', null).as('pending'),
      eb.fn.countAll<string>().filterWhere('gave_up_at', 'is not', null).as('givenUp'),
    ])
    .where('delivered_at', 'is', null)
    .executeTakeFirstOrThrow()
  return { pending: toCount(row.pending), givenUp: toCount(row.givenUp) }
}
