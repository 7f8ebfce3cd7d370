/** How deliveries are retried and how long one may take (docs/webhooks.md, "Retries"). */
export interface WebhookDeliveryConfig {
  /** The wait before the first retry; each further retry waits twice the one before. */
  readonly backoffMs: number
  /** The longest wait between two attempts. */
  readonly maxBackoffMs: number
  /** Attempts in all, the first included; then the delivery is given up. */
  readonly maxAttempts: number
  /** How long one request may take, answer included, before it counts as failed. */
  readonly timeoutMs: number
}

export const DEFAULT_WEBHOOK_DELIVERY: WebhookDeliveryConfig = {
  backoffMs: 1000,
  maxBackoffMs: 3_600_000,
  maxAttempts: 15,
  timeoutMs: 10_000,
}

/** The wait after failed attempt number `attempts` (1 for the first): 1 s, 2 s, 4 s, ... capped. */
export function retryDelayMs(config: WebhookDeliveryConfig, attempts: number): number {
  return Math.min(config.maxBackoffMs, config.backoffMs * 2 ** Math.max(0, attempts - 1))
}

/**
 * How long a claimed delivery is kept from other workers: its request's timeout and a
 * margin. A worker that dies mid-request leaves it to be claimed again after this.
 */
export function claimLeaseMs(config: WebhookDeliveryConfig): number {
  return config.timeoutMs + 30_000
}
