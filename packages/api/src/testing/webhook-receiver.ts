import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** One request a receiver got, and what it answered. */
export interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** When it arrived (`Date.now()`). */
  readonly at: number
  readonly status: number
}

/**
 * An HTTP receiver of webhooks on loopback (port 0), for tests: it keeps every request,
 * answers what `answer` says (200 unless told), and can go down and come back on its port.
 */
export interface WebhookReceiver {
  readonly url: string
  readonly received: readonly ReceivedWebhook[]
  /** The status to answer the request numbered `index` (0 first) with. */
  answer: (index: number) => number
  /** How long each answer waits, so deliveries overlap in a race. */
  delayMs: number
  /** Closes the port: deliveries then fail with ECONNREFUSED. */
  down(): Promise<void>
  /** Listens again on the same port. */
  up(): Promise<void>
  /** Waits until the requests received satisfy `done`; throws after `timeoutMs`. */
  waitFor(done: (received: readonly ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      const at = Date.now()
      const status = receiver.answer(received.length)
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at, status })
      if (receiver.delayMs > 0) await sleep(receiver.delayMs)
      res.statusCode = status
      res.end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const close = async () => {
    if (!server.listening) return
    const closed = once(server, 'close')
    server.close()
    server.closeAllConnections()
    await closed
  }
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer: () => 200,
    delayMs: 0,
    down: close,
    async up() {
      server.listen(port, '127.0.0.1')
      await once(server, 'listening')
    },
    async waitFor(done, timeoutMs = 15_000) {
      for (let waited = 0; waited < timeoutMs; waited += 25) {
        if (done(received)) return
        await sleep(25)
      }
      throw new Error(`The receiver did not get what was awaited; it got ${received.length} requests`)
    },
    close,
  }
  return receiver
}
