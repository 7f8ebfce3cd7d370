import { randomBytes } from 'node:crypto'
import { newestFirst } from '../pagination/keyset.js'
import { PageOnlyInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { booleanProcedure, router } from '../trpc/init.js'
import { webhookNotFound } from './webhook-errors.js'
import {
  CreateWebhookInput,
  UpdateWebhookInput,
  WebhookDeliveriesInput,
  WebhookIdInput,
} from './webhook-inputs.js'
import { toWebhookDeliveryView, toWebhookView, WEBHOOK_VIEW_COLUMNS } from './webhook-view.js'

/** A new subscriber's signing secret: 32 random bytes, prefixed so it is recognised when leaked. */
function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

/**
 * Outgoing webhooks (docs/webhooks.md): URLs that receive a signed event for every change
 * of records, users and roles, sent at least once by the server's webhook worker.
 */
export const webhooksRouter = router({
  /** Registers a subscriber; its signing secret is in this answer only, never shown again. */
  create: booleanProcedure('webhookSubscribers.manage')
    .input(CreateWebhookInput)
    .mutation(async ({ ctx, input }) => {
      const secret = newWebhookSecret()
      const row = await ctx.db
        .insertInto('webhook_subscribers')
        .values({ url: input.url, secret, events: input.events ?? null })
        .returning(WEBHOOK_VIEW_COLUMNS)
        .executeTakeFirstOrThrow()
      return { ...toWebhookView(row), secret }
    }),

  /** Every subscriber, newest first, without secrets. */
  list: booleanProcedure('webhookSubscribers.manage')
    .input(PageOnlyInput)
    .query(({ ctx, input }) =>
      paginate(
        ctx.db.selectFrom('webhook_subscribers').select(WEBHOOK_VIEW_COLUMNS),
        newestFirst('webhook_subscribers', 'created_at'),
        input,
        toWebhookView,
      ),
    ),

  /**
   * Pauses or resumes a subscriber, or changes its events. While paused, no event is queued
   * for it and those already queued wait; they are sent once it is enabled again.
   */
  update: booleanProcedure('webhookSubscribers.manage')
    .input(UpdateWebhookInput)
    .mutation(async ({ ctx, input }) => {
      const row = await ctx.db
        .updateTable('webhook_subscribers')
        .set({
          ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
          ...(input.events === undefined ? {} : { events: input.events }),
        })
        .where('id', '=', input.id)
        .returning(WEBHOOK_VIEW_COLUMNS)
        .executeTakeFirst()
      if (!row) throw webhookNotFound()
      return toWebhookView(row)
    }),

  /** Deletes a subscriber with its deliveries, sent or not: nothing more goes to its URL. */
  delete: booleanProcedure('webhookSubscribers.manage')
    .input(WebhookIdInput)
    .mutation(async ({ ctx, input }) => {
      const deleted = await ctx.db
        .deleteFrom('webhook_subscribers')
        .where('id', '=', input.id)
        .returning('id')
        .executeTakeFirst()
      if (!deleted) throw webhookNotFound()
      return { deleted: deleted.id }
    }),

  /** A subscriber's deliveries, newest first: what was sent, how often tried, why it failed. */
  deliveries: booleanProcedure('webhookSubscribers.manage')
    .input(WebhookDeliveriesInput)
    .query(async ({ ctx, input }) => {
      const subscriber = await ctx.db
        .selectFrom('webhook_subscribers')
        .select('id')
        .where('id', '=', input.id)
        .executeTakeFirst()
      if (!subscriber) throw webhookNotFound()
      return paginate(
        ctx.db.selectFrom('webhook_deliveries').selectAll().where('subscriber_id', '=', input.id),
        newestFirst('webhook_deliveries', 'created_at'),
        input,
        toWebhookDeliveryView,
      )
    }),
})
