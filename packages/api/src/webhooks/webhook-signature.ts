import { createHmac, timingSafeEqual } from 'node:crypto'

/** The headers every delivery carries (docs/webhooks.md, "Verifying a delivery"). */
export const WEBHOOK_HEADERS = {
  id: 'trellis-webhook-id',
  timestamp: 'trellis-webhook-timestamp',
  signature: 'trellis-webhook-signature',
} as const

/**
 * The signature of a delivery: `v1=` and the hex HMAC-SHA256, keyed with the subscriber's
 * secret, of `<timestamp>.<body>` (the timestamp in Unix seconds, the body as sent). The
 * timestamp is signed too, so a receiver can refuse an old delivery replayed.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/** Whether `signature` is the one `signWebhook` makes, compared in constant time. */
export function isWebhookSignatureValid(
  secret: string,
  timestamp: number,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body))
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
