import type { MailSender } from '@trellis/api'
import { createTrellisClient, type TrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { closedPort } from '../testing/closed-port.js'
import { startTestServer, type TestServer } from '../testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }

/** The samples of a Prometheus text exposition, by series (`name{label="value",…}`). */
function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)))
  }
  return samples
}

async function scrape(server: TestServer, apiKey?: string) {
  const response = await fetch(`${server.url}/metrics`, {
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
  })
  return { response, samples: parseSamples(await response.text()) }
}

const sample = (samples: Map<string, number>, series: string) => samples.get(series) ?? 0

describe('/metrics, for a caller allowed system.metrics (TRELLIS_METRICS=on)', () => {
  let server: TestServer
  let admin: TrellisClient
  let scraperKey: string
  let nosy: { id: string; key: string }
  beforeAll(async () => {
    server = await startTestServer({ TRELLIS_METRICS: 'on', TRELLIS_WEBHOOK_MAX_ATTEMPTS: '1' })
    admin = createTrellisClient({ url: server.trpcUrl })
    const { user } = await admin.auth.login.mutate(ADMIN)
    await admin.roles.create.mutate({ name: 'scraper', grants: { 'system.metrics': true } })
    const issueKey = async (email: string) => {
      const service = await admin.users.create.mutate({ email, kind: 'service', parentId: user.id })
      return {
        id: service.id,
        key: (await admin.apiKeys.create.mutate({ userId: service.id, name: 'k' })).key,
      }
    }
    const scraper = await issueKey('prometheus@example.com')
    await admin.users.assignRole.mutate({ id: scraper.id, role: 'scraper' })
    scraperKey = scraper.key
    nosy = await issueKey('nosy@example.com')
  })
  afterAll(() => server.stop())

  it('refuses a scrape without a credential (401) and one without the permission (403)', async () => {
    const anonymous = await fetch(`${server.url}/metrics`)
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')
    const refused = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${nosy.key}` } })
    expect(refused.status).toBe(403)
    expect(await refused.text()).not.toContain('trellis_calls_total')
    const bad = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer trk_nonsense' } })
    expect(bad.status).toBe(401)
  })

  it('counts calls and their latency per procedure and outcome', async () => {
    const before = (await scrape(server, scraperKey)).samples
    const anonymous = createTrellisClient({ url: server.trpcUrl })
    for (let i = 0; i < 3; i++) await anonymous.system.ping.query({ echo: `hello ${i}` })
    await anonymous.system.ping.query({ echo: '' }).catch(() => undefined)
    await anonymous.roles.list.query().catch(() => undefined)

    const { response, samples } = await scrape(server, scraperKey)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const moved = (series: string) => sample(samples, series) - sample(before, series)
    expect(moved('trellis_calls_total{procedure="system.ping",outcome="OK"}')).toBe(3)
    expect(moved('trellis_calls_total{procedure="system.ping",outcome="BAD_REQUEST"}')).toBe(1)
    expect(moved('trellis_calls_total{procedure="roles.list",outcome="UNAUTHORIZED"}')).toBe(1)
    expect(moved('trellis_call_duration_seconds_count{procedure="system.ping",outcome="OK"}')).toBe(3)
    expect(
      moved('trellis_call_duration_seconds_bucket{le="+Inf",procedure="system.ping",outcome="OK"}'),
    ).toBe(3)
    expect(moved('trellis_call_duration_seconds_sum{procedure="system.ping",outcome="OK"}')).toBeGreaterThan(
      0,
    )
    // The scrape's own permission check is a call of system.metrics, counted like any.
    expect(sample(samples, 'trellis_calls_total{procedure="system.metrics",outcome="OK"}')).toBeGreaterThan(1)
    expect(sample(samples, 'trellis_calls_total{procedure="system.metrics",outcome="FORBIDDEN"}')).toBe(1)
  })

  it('reports access-cache hits and reloads, the outbox, the pool and the process', async () => {
    const before = (await scrape(server, scraperKey)).samples
    // An access change, then calls: the first decides with a reloaded snapshot, the next reuse it.
    await admin.roles.create.mutate({ name: 'reader', grants: { 'users.read': 'SELF' } })
    await admin.users.list.query({})
    await admin.users.list.query({})
    const { samples } = await scrape(server, scraperKey)
    expect(sample(samples, 'trellis_access_cache_hits_total')).toBeGreaterThan(
      sample(before, 'trellis_access_cache_hits_total'),
    )
    expect(sample(samples, 'trellis_access_cache_reloads_total')).toBeGreaterThan(
      sample(before, 'trellis_access_cache_reloads_total'),
    )
    expect(samples.get('trellis_outbox_mails{state="pending"}')).toBe(0)
    expect(samples.get('trellis_outbox_mails{state="given_up"}')).toBe(0)
    expect(samples.get('trellis_process_resident_memory_bytes')).toBeGreaterThan(0)
    if (server.database.dialect === 'postgres') {
      expect(samples.get('trellis_db_pool_max_connections')).toBe(5)
      const open =
        sample(samples, 'trellis_db_pool_connections{state="idle"}') +
        sample(samples, 'trellis_db_pool_connections{state="busy"}')
      expect(open).toBeGreaterThan(0)
      expect(open).toBeLessThanOrEqual(5)
      // The scrape's own outbox count may be waiting for a connection being opened.
      expect(samples.has('trellis_db_pool_waiting')).toBe(true)
    } else {
      // PGlite has no pool: no series rather than zeros that would read as an idle pool.
      expect(samples.has('trellis_db_pool_max_connections')).toBe(false)
    }
  })
  it('shows a webhook delivery its receiver never took as given up, not pending', async () => {
    const port = await closedPort()
    await admin.webhookSubscribers.create.mutate({
      url: `http://127.0.0.1:${port}/hooks`,
      events: ['roles.create'],
    })
    await admin.roles.create.mutate({ name: 'unheard', grants: {} })
    // One attempt is all this server makes (TRELLIS_WEBHOOK_MAX_ATTEMPTS=1): refused, it gives up.
    await vi.waitFor(
      async () => {
        const { samples } = await scrape(server, scraperKey)
        expect(samples.get('trellis_webhook_deliveries{state="given_up"}')).toBe(1)
        expect(samples.get('trellis_webhook_deliveries{state="pending"}')).toBe(0)
      },
      { timeout: 15_000, interval: 200 },
    )
  })
})

describe('/metrics open to anyone (TRELLIS_METRICS=open), with mail that fails', () => {
  let server: TestServer
  beforeAll(async () => {
    const failing: MailSender = {
      async send() {
        throw new Error('SMTP down')
      },
    }
    server = await startTestServer({ TRELLIS_METRICS: 'open' }, { mailSender: failing })
  })
  afterAll(() => server.stop())

  it('counts failed deliveries and shows the mail still waiting', async () => {
    const anonymous = createTrellisClient({ url: server.trpcUrl })
    await anonymous.auth.requestPasswordReset.mutate({ email: ADMIN.email })
    const samples = await vi.waitFor(
      async () => {
        const scraped = await scrape(server)
        expect(scraped.response.status).toBe(200)
        expect(sample(scraped.samples, 'trellis_outbox_deliveries_total{outcome="failed"}')).toBeGreaterThan(
          0,
        )
        return scraped.samples
      },
      { timeout: 10_000, interval: 100 },
    )
    expect(sample(samples, 'trellis_outbox_deliveries_total{outcome="sent"}')).toBe(0)
    expect(samples.get('trellis_outbox_mails{state="pending"}')).toBe(1)
  })
})

describe('/metrics off (the default)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.stop())

  it("is not served at all: a 404, not the console's page", async () => {
    const response = await fetch(`${server.url}/metrics`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'Not found' })
  })
})
