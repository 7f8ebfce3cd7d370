import { signWebhook, WEBHOOK_HEADERS } from './webhook-signature.js'

/** One signed POST of a delivery: where to, signed with what, and how long it may take. */
export interface WebhookRequest {
  readonly url: string
  readonly secret: string
  readonly eventId: string
  readonly body: string
  readonly timeoutMs: number
}

/**
 * POSTs a delivery and says how it went: null when the receiver answered 2xx, else why not
 * in a few words (`HTTP 500`, `ECONNREFUSED`, `timed out`). The reason never holds the URL,
 * the secret or the answer's body. Redirects are not followed: a 3xx is a failure, so a
 * receiver cannot send a signed event on to another host.
 */
export async function postWebhook(request: WebhookRequest): Promise<string | null> {
  const timestamp = Math.floor(Date.now() / 1000)
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Trellis-Webhooks/1',
        [WEBHOOK_HEADERS.id]: request.eventId,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: signWebhook(request.secret, timestamp, request.body),
      },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    })
    // The answer's body is not read: only the status counts.
    await response.body?.cancel()
    if (response.status >= 200 && response.status < 300) return null
    if (response.status >= 300 && response.status < 400)
      return `HTTP ${response.status} (redirects are not followed)`
    return `HTTP ${response.status}`
  } catch (error) {
    return failureReason(error)
  }
}

function failureReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'timed out'
  const code = (error as { cause?: { code?: unknown } }).cause?.code
  return typeof code === 'string' ? code : 'request failed'
}
