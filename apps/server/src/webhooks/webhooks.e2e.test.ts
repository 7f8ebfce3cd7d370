import { createHmac, timingSafeEqual } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { startWebhookReceiver, type WebhookReceiver } from '@trellis/api/testing'
import { createTrellisClient, type TrellisClient } from '@trellis/sdk'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN } from '../testing/replay/replay-world.js'
import { startTestServer, type TestServer } from '../testing/start-test-server.js'

const BACKOFF_MS = 50

/** The check docs/webhooks.md gives receivers, written here from the documented scheme alone. */
function verify(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): boolean {
  const timestamp = String(headers['trellis-webhook-timestamp'])
  const expected = Buffer.from(
    `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  )
  const given = Buffer.from(String(headers['trellis-webhook-signature']))
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300
  return fresh && given.length === expected.length && timingSafeEqual(given, expected)
}

describe('outgoing webhooks from a running server', () => {
  let server: TestServer
  let admin: TrellisClient
  let adminId: string
  const receivers: WebhookReceiver[] = []

  beforeAll(async () => {
    server = await startTestServer({
      TRELLIS_WEBHOOK_BACKOFF_MS: String(BACKOFF_MS),
      TRELLIS_WEBHOOK_MAX_ATTEMPTS: '10',
      TRELLIS_WEBHOOK_TIMEOUT_MS: '2000',
    })
    admin = createTrellisClient({ url: server.trpcUrl })
    adminId = (await admin.auth.login.mutate(ADMIN)).user.id
    await admin.entityTypes.create.mutate({
      name: 'tickets',
      schema: { type: 'object' },
      stateMachine: { initial: 'open', transitions: { close: { from: ['open'], to: 'closed' } } },
    })
  })
  afterEach(async () => {
    for (const { id } of (await admin.webhookSubscribers.list.query()).items)
      await admin.webhookSubscribers.delete.mutate({ id })
  })
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()))
    await server.stop()
  })

  async function receiver(): Promise<WebhookReceiver> {
    const started = await startWebhookReceiver()
    receivers.push(started)
    return started
  }

  /** The subscriber's only delivery once `done` holds of it, as webhookSubscribers.deliveries shows it. */
  async function deliveryWhen(
    id: string,
    done: (delivery: { status: string; attempts: number; lastError: string | null }) => boolean,
  ) {
    for (let waited = 0; waited < 15_000; waited += 25) {
      const [delivery] = (await admin.webhookSubscribers.deliveries.query({ id })).items
      if (delivery && done(delivery)) return delivery
      await sleep(25)
    }
    throw new Error('The delivery never got there')
  }

  it('signs a record create, its transition and a role assignment, as documented', async () => {
    const hooks = await receiver()
    const { id, secret } = await admin.webhookSubscribers.create.mutate({
      url: hooks.url,
      events: ['records.create', 'records.transition', 'users.assignRole'],
    })
    const ticket = await admin.records.create.mutate({ entityType: 'tickets', data: {} })
    await admin.records.transition.mutate({ id: ticket.id, name: 'close' })
    await admin.roles.create.mutate({ name: 'agent', grants: {} })
    const agent = await admin.users.create.mutate({ email: 'agent@example.com', parentId: adminId })
    await admin.users.assignRole.mutate({ id: agent.id, role: 'agent' })

    await hooks.waitFor((received) => received.length >= 3)
    const events = hooks.received.map((request) => {
      expect(verify(secret, request.headers, request.body)).toBe(true)
      expect(verify(`${secret}x`, request.headers, request.body)).toBe(false)
      const payload = JSON.parse(request.body)
      expect(request.headers['trellis-webhook-id']).toBe(payload.id)
      expect(request.headers['content-type']).toBe('application/json')
      return payload
    })
    expect(events.map((event) => event.event).sort()).toEqual([
      'records.create',
      'records.transition',
      'users.assignRole',
    ])
    for (const event of events) expect(event.actorId).toBe(adminId)
    expect(events.find((event) => event.event === 'records.create').targetId).toBe(ticket.id)
    expect(events.find((event) => event.event === 'records.transition').targetId).toBe(ticket.id)
    expect(events.find((event) => event.event === 'users.assignRole')).toMatchObject({
      targetId: agent.id,
      role: 'agent',
      scope: null,
    })
    const deliveries = (await admin.webhookSubscribers.deliveries.query({ id })).items
    expect(deliveries.map((delivery) => [delivery.status, delivery.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
      ['delivered', 1],
    ])
  })

  it('retries a receiver that fails with backoff, and stops once it answers 2xx', async () => {
    const hooks = await receiver()
    hooks.answer = (index) => (index < 3 ? 500 : 200)
    const { id } = await admin.webhookSubscribers.create.mutate({ url: hooks.url, events: ['roles.create'] })
    await admin.roles.create.mutate({ name: 'flaky', grants: {} })

    const delivery = await deliveryWhen(id, (delivery) => delivery.status === 'delivered')
    expect(delivery).toMatchObject({ attempts: 4, lastError: null })
    // Acknowledged once: nothing more comes after the 200.
    await sleep(BACKOFF_MS * 8)
    expect(hooks.received.map((request) => request.status)).toEqual([500, 500, 500, 200])
    expect(new Set(hooks.received.map((request) => request.headers['trellis-webhook-id'])).size).toBe(1)
    const at = hooks.received.map((request) => request.at)
    for (let retry = 1; retry < at.length; retry++)
      expect(at[retry]! - at[retry - 1]!).toBeGreaterThanOrEqual(BACKOFF_MS * 2 ** (retry - 1))
  })

  it('has two servers on one database send each event once', async () => {
    const second = await startTestServer(
      { TRELLIS_WEBHOOK_BACKOFF_MS: String(BACKOFF_MS) },
      { database: server.database },
    )
    try {
      const hooks = await receiver()
      // Slow answers, so both workers are busy together.
      hooks.delayMs = 40
      await admin.webhookSubscribers.create.mutate({ url: hooks.url, events: ['roles.create'] })
      for (let i = 0; i < 30; i++) await admin.roles.create.mutate({ name: `pair${i}`, grants: {} })
      await hooks.waitFor((received) => received.length >= 30)
      await sleep(BACKOFF_MS * 8)
      const ids = hooks.received.map((request) => request.headers['trellis-webhook-id'])
      expect(ids).toHaveLength(30)
      expect(new Set(ids).size).toBe(30)
    } finally {
      // The database is this suite's: only the second server is closed.
      await second.close()
    }
  })

  it('delivers to a receiver that was down once it is back', async () => {
    const hooks = await receiver()
    await hooks.down()
    const { id } = await admin.webhookSubscribers.create.mutate({ url: hooks.url, events: ['roles.create'] })
    await admin.roles.create.mutate({ name: 'patient', grants: {} })

    const refused = await deliveryWhen(id, (delivery) => delivery.attempts >= 2)
    expect(refused).toMatchObject({ status: 'pending', lastError: 'ECONNREFUSED' })
    await hooks.up()
    const delivered = await deliveryWhen(id, (delivery) => delivery.status === 'delivered')
    expect(delivered.attempts).toBeGreaterThan(2)
    expect(hooks.received).toHaveLength(1)
    expect(JSON.parse(hooks.received[0]!.body)).toMatchObject({ event: 'roles.create', role: 'patient' })
  })
})
