import { accessCacheCounts, type CallReport, countOutbox, countWebhookDeliveries } from '@trellis/api'
import { isDatabaseUnavailable, poolUsageOf, type TrellisDatabase } from '@trellis/db'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** What the server measures, and the Prometheus text of it for `/metrics`. */
export interface ServerMetrics {
  /** Counts a finished call and its duration, by procedure and outcome (`OK` or the tRPC code). */
  recordCall(call: CallReport): void
  /** Counts an outbox delivery attempt's outcome. */
  recordDelivery(outcome: 'sent' | 'failed'): void
  /** The Prometheus exposition text and its content type. */
  scrape(): Promise<{ contentType: string; text: string }>
}

/**
 * The server's metrics in a registry of its own (never prom-client's global one: two
 * servers in one process, as in tests, must not count into each other). Calls and mail
 * deliveries are counted as they happen; the access cache, the outbox and the pool are
 * read when scraped, so they cost nothing between scrapes.
 */
export function createServerMetrics(db: TrellisDatabase): ServerMetrics {
  const registry = new Registry()
  // Process CPU, memory, uptime (process_start_time_seconds), event loop lag: what
  // `system.metrics` reports, and more.
  collectDefaultMetrics({ register: registry, prefix: 'trellis_' })
  const calls = new Counter({
    name: 'trellis_calls_total',
    help: 'API calls that ended, by procedure and outcome (OK or the tRPC error code)',
    labelNames: ['procedure', 'outcome'],
    registers: [registry],
  })
  const durations = new Histogram({
    name: 'trellis_call_duration_seconds',
    help: 'How long API calls took, by procedure and outcome',
    labelNames: ['procedure', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const deliveries = new Counter({
    name: 'trellis_outbox_deliveries_total',
    help: 'Mail delivery attempts from the outbox, by outcome (sent or failed)',
    labelNames: ['outcome'],
    registers: [registry],
  })
  countedSince(
    registry,
    'trellis_access_cache_hits_total',
    'Calls decided with the cached access snapshot',
    () => accessCacheCounts(db).hits,
  )
  countedSince(
    registry,
    'trellis_access_cache_reloads_total',
    'Access snapshot loads after access changed',
    () => accessCacheCounts(db).reloads,
  )
  registerOutboxGauges(registry, db)
  registerPoolGauges(registry, db)
  return {
    recordCall(call) {
      const labels = { procedure: call.procedure, outcome: call.outcome }
      calls.inc(labels)
      durations.observe(labels, call.durationMs / 1000)
    },
    recordDelivery(outcome) {
      deliveries.inc({ outcome })
    },
    async scrape() {
      return { contentType: registry.contentType, text: await registry.metrics() }
    },
  }
}

/** A counter that reports a running total kept elsewhere, read at each scrape. */
function countedSince(registry: Registry, name: string, help: string, total: () => number) {
  let reported = 0
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = total()
      this.inc(now - reported)
      reported = now
    },
  })
}

function registerOutboxGauges(registry: Registry, db: TrellisDatabase) {
  backlogGauge(registry, {
    name: 'trellis_outbox_mails',
    help: 'Unsent mail in the outbox: pending (still tried) or given_up (every attempt failed)',
    count: () => countOutbox(db),
  })
  backlogGauge(registry, {
    name: 'trellis_webhook_deliveries',
    help: 'Unacknowledged webhook deliveries: pending (still tried) or given_up (every attempt failed)',
    count: () => countWebhookDeliveries(db),
  })
}

/** A gauge of a backlog by state, counted at each scrape. */
function backlogGauge(
  registry: Registry,
  backlog: { name: string; help: string; count(): Promise<{ pending: number; givenUp: number }> },
) {
  new Gauge({
    name: backlog.name,
    help: backlog.help,
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        const counts = await backlog.count()
        this.set({ state: 'pending' }, counts.pending)
        this.set({ state: 'given_up' }, counts.givenUp)
      } catch (error) {
        // A scrape during an outage still answers, without the backlog; the rest is news too.
        if (!isDatabaseUnavailable(error)) throw error
        this.reset()
      }
    },
  })
}

function registerPoolGauges(registry: Registry, db: TrellisDatabase) {
  // PGlite has no pool: then these series are absent rather than zero.
  if (!poolUsageOf(db)) return
  new Gauge({
    name: 'trellis_db_pool_connections',
    help: 'PostgreSQL pool connections open, by state (busy, idle)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const usage = poolUsageOf(db)
      if (!usage) return
      this.set({ state: 'busy' }, usage.total - usage.idle)
      this.set({ state: 'idle' }, usage.idle)
    },
  })
  new Gauge({
    name: 'trellis_db_pool_max_connections',
    help: 'The most connections the PostgreSQL pool opens',
    registers: [registry],
    collect() {
      this.set(poolUsageOf(db)?.max ?? 0)
    },
  })
  new Gauge({
    name: 'trellis_db_pool_waiting',
    help: 'Queries waiting for a free PostgreSQL connection',
    registers: [registry],
    collect() {
      this.set(poolUsageOf(db)?.waiting ?? 0)
    },
  })
}
