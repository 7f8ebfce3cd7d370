import type { TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import { isWebhookEvent } from './webhook-events.js'
import { type WebhookCall, webhookPayload } from './webhook-payload.js'

/**
 * Queues the event of a successful mutation for every enabled subscriber whose filter takes
 * it, with `db` the call's own transaction: the deliveries commit with the change or not at
 * all, so no event is sent for a change rolled back, and none is lost for one committed.
 * A procedure that is no event queues nothing.
 */
export async function enqueueWebhookEvent(
  db: TrellisDatabase,
  call: WebhookCall & { readonly procedure: string },
  result: unknown,
): Promise<void> {
  if (!isWebhookEvent(call.procedure)) return
  const payload = webhookPayload(call.procedure, call, result)
  await db
    .insertInto('webhook_deliveries')
    .columns(['subscriber_id', 'event_id', 'event', 'payload'])
    .expression((eb) =>
      eb
        .selectFrom('webhook_subscribers')
        .select([
          'id',
          sql<string>`${payload.id}::uuid`.as('event_id'),
          sql<string>`${payload.event}`.as('event'),
          sql<unknown>`${JSON.stringify(payload)}::jsonb`.as('payload'),
        ])
        .where('enabled', '=', true)
        .where((eb) => eb.or([eb('events', 'is', null), sql<boolean>`${payload.event} = any(events)`])),
    )
    .execute()
}
