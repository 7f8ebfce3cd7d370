import { z } from 'zod'
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../inputs/text.js'
import { PageInput } from '../pagination/page-input.js'
import { WEBHOOK_EVENTS } from './webhook-events.js'

/**
 * Where deliveries go: http or https, without credentials in it (the signature is what
 * proves a delivery; a password in the URL would be shown by `webhookSubscribers.list`).
 */
const WebhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000)
  .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE)
  .refine((url) => {
    // Not a URL at all is said by the check above.
    if (!URL.canParse(url)) return true
    const parsed = new URL(url)
    return parsed.username === '' && parsed.password === ''
  }, 'must not hold a user name or password: deliveries are signed instead')

const WebhookEvents = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1, 'list at least one event, or leave events out for every event')
  .max(WEBHOOK_EVENTS.length)
  .transform((events) => [...new Set(events)])

export const CreateWebhookInput = z.strictObject({
  url: WebhookUrl,
  /** The events to receive; every event when left out. */
  events: WebhookEvents.optional(),
})

export const UpdateWebhookInput = z
  .strictObject({
    id: z.uuid(),
    /** False pauses the subscriber: no event is queued for it, and none queued is sent. */
    enabled: z.boolean().optional(),
    /** The events to receive from now on; null: every event. */
    events: WebhookEvents.nullable().optional(),
  })
  .refine((input) => input.enabled !== undefined || input.events !== undefined, {
    message: 'change enabled, events or both',
  })

export const WebhookIdInput = z.strictObject({ id: z.uuid() })

export const WebhookDeliveriesInput = z.strictObject({ id: z.uuid(), ...PageInput })
