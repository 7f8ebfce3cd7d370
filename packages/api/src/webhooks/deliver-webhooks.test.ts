import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../logger.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { startWebhookReceiver, type WebhookReceiver } from '../testing/webhook-receiver.js'
import { deliverWebhooks } from './deliver-webhooks.js'
import type { WebhookDeliveryConfig } from './webhook-delivery-config.js'
import { WEBHOOK_HEADERS } from './webhook-signature.js'

const FAST: WebhookDeliveryConfig = { backoffMs: 20, maxBackoffMs: 1000, maxAttempts: 3, timeoutMs: 2000 }

describe('deliverWebhooks', () => {
  let h: ApiHarness
  let receiver: WebhookReceiver
  const admin = () => h.callAs(h.adminId)

  beforeAll(async () => {
    h = await createApiHarness()
    receiver = await startWebhookReceiver()
  })
  afterEach(async () => {
    await h.database.db.deleteFrom('webhook_subscribers').execute()
    ;(receiver.received as unknown[]).length = 0
    receiver.answer = () => 200
    receiver.delayMs = 0
  })
  afterAll(async () => {
    await receiver.close()
    await h.dispose()
  })

  /** Runs deliveries until `done` says the subscriber's are settled, as the worker's ticks would. */
  async function deliverUntil(subscriberId: string, config: WebhookDeliveryConfig) {
    for (let tick = 0; tick < 400; tick++) {
      await deliverWebhooks(h.database.db, config, silentLogger)
      const { items } = await admin().webhookSubscribers.deliveries({ id: subscriberId })
      if (items.every((item) => item.status !== 'pending')) return items
      await sleep(5)
    }
    throw new Error('The deliveries did not settle')
  }

  it('never has two workers deliver one event, and delivers each', async () => {
    await admin().webhookSubscribers.create({ url: receiver.url })
    for (let i = 0; i < 12; i++) await admin().roles.create({ name: `race${i}`, grants: {} })
    receiver.delayMs = 30
    // Two workers on one database, small batches, each going on until nothing is due.
    const drain = async () => {
      while ((await deliverWebhooks(h.database.db, FAST, silentLogger, 3)).attempted > 0) {}
    }
    await Promise.all([drain(), drain()])
    const ids = receiver.received.map((request) => request.headers[WEBHOOK_HEADERS.id])
    expect(ids).toHaveLength(12)
    expect(new Set(ids).size).toBe(12)
    const rows = await h.database.db
      .selectFrom('webhook_deliveries')
      .select(['attempts', 'delivered_at'])
      .execute()
    expect(rows.every((row) => row.attempts === 1 && row.delivered_at !== null)).toBe(true)
  })

  it('retries a failing receiver with growing waits, then gives up', async () => {
    const { id } = await admin().webhookSubscribers.create({ url: receiver.url })
    await admin().roles.create({ name: 'doomed', grants: {} })
    receiver.answer = () => 500
    const [delivery] = await deliverUntil(id, FAST)
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'HTTP 500',
      nextAttemptAt: null,
    })
    expect(receiver.received).toHaveLength(3)
    const [first, second, third] = receiver.received.map((request) => request.at)
    expect(second! - first!).toBeGreaterThanOrEqual(FAST.backoffMs)
    expect(third! - second!).toBeGreaterThanOrEqual(2 * FAST.backoffMs)
  })

  it("holds a paused subscriber's deliveries until it is enabled again, and queues none meanwhile", async () => {
    const { id } = await admin().webhookSubscribers.create({ url: receiver.url })
    await admin().roles.create({ name: 'before-pause', grants: {} })
    await admin().webhookSubscribers.update({ id, enabled: false })
    await admin().roles.create({ name: 'while-paused', grants: {} })
    expect(await deliverWebhooks(h.database.db, FAST, silentLogger)).toEqual({ attempted: 0, delivered: 0 })
    expect(receiver.received).toHaveLength(0)

    await admin().webhookSubscribers.update({ id, enabled: true })
    const deliveries = await deliverUntil(id, FAST)
    expect(deliveries.map((delivery) => [delivery.status, delivery.attempts])).toEqual([['delivered', 1]])
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ role: 'before-pause' })
  })

  it('does not follow a redirect, and gives up a request that takes too long', async () => {
    const { id } = await admin().webhookSubscribers.create({ url: receiver.url })
    await admin().roles.create({ name: 'moved', grants: {} })
    receiver.answer = () => 307
    const [redirected] = await deliverUntil(id, { ...FAST, maxAttempts: 1 })
    expect(redirected).toMatchObject({ status: 'failed', lastError: 'HTTP 307 (redirects are not followed)' })

    await admin().roles.create({ name: 'slow', grants: {} })
    receiver.answer = () => 200
    receiver.delayMs = 1000
    const [slow] = await deliverUntil(id, { ...FAST, maxAttempts: 1, timeoutMs: 100 })
    expect(slow).toMatchObject({ status: 'failed', lastError: 'timed out' })
  })
})
