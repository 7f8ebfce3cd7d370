// Throughput of a gated procedure against the same procedure without the gate, served
// by one server in one run: `system.info` through the Trellis API (caller resolution,
// access-version check, decision, audit on denial), called anonymously and with a
// session, and the same resolver on a bare tRPC router. Run: pnpm --filter @trellis/bench
// run gated (PGlite), or with DATABASE_URL set (PostgreSQL: a fresh schema, dropped
// afterwards). BENCH_DURATION_SECONDS (10) is split over BENCH_ROUNDS (2) alternating
// rounds per target.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadavg } from 'node:os'
import {
  appRouter,
  createContext,
  DEFAULT_AUTH_CONFIG,
  prepareDatabase,
  silentLogger,
  TRELLIS_VERSION,
} from '@trellis/api'
import { createDatabase, dialectOf, type TrellisDatabase } from '@trellis/db'
import { initTRPC } from '@trpc/server'
import { createHTTPHandler } from '@trpc/server/adapters/standalone'
import { sql } from 'kysely'
import { runLoad, summarizeLoad } from './run-load.js'

const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const CONNECTIONS = 10

/** The same work as system.info's resolver, without any gate. */
function ungatedRouter(db: TrellisDatabase) {
  const t = initTRPC.create()
  return t.router({
    system: t.router({
      info: t.procedure.query(async () => {
        const latest = await sql<{ name: string }>`
          select name from kysely_migration order by name desc limit 1
        `.execute(db)
        return {
          name: 'trellis' as const,
          version: TRELLIS_VERSION,
          database: dialect,
          schemaVersion: latest.rows[0]?.name ?? null,
        }
      }),
    }),
  })
}

const databaseUrl = process.env.DATABASE_URL
const dialect = dialectOf({ databaseUrl })
const schema = databaseUrl ? `bench_gated_${process.pid}` : undefined
const db = await createDatabase({ databaseUrl, schema })
const ADMIN = { email: 'bench@example.com', password: 'bench password 1' }
await prepareDatabase(db, { adminEmail: ADMIN.email, adminPassword: ADMIN.password }, silentLogger)
const gated = createHTTPHandler({
  router: appRouter,
  basePath: '/gated/',
  createContext: () =>
    createContext(
      { db, dialect, logger: silentLogger, auth: DEFAULT_AUTH_CONFIG },
      { requestId: 'bench', clientAddress: '127.0.0.1', authorization: undefined },
    ),
})
const ungated = createHTTPHandler({ router: ungatedRouter(db), basePath: '/ungated/' })
const server = createServer((req, res) =>
  req.url?.startsWith('/gated/') ? gated(req, res) : ungated(req, res),
)
server.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

try {
  // The administrator signs in through the gated API; the `public` role and the admin's
  // own roles both grant system.info.
  const login = await fetch(`${base}/gated/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  })
  const token = ((await login.json()) as { result?: { data?: { token?: string } } }).result?.data?.token
  if (!token) throw new Error(`The login failed: ${login.status}`)
  const targets = {
    'gated, anonymous': { url: `${base}/gated/system.info`, headers: {} },
    'gated, signed in': { url: `${base}/gated/system.info`, headers: { authorization: `Bearer ${token}` } },
    ungated: { url: `${base}/ungated/system.info`, headers: {} },
  }
  type Target = keyof typeof targets
  const names = Object.keys(targets) as Target[]
  const bodies = await Promise.all(
    names.map(async (name) => (await fetch(targets[name].url, { headers: targets[name].headers })).text()),
  )
  if (new Set(bodies).size !== 1) throw new Error(`The targets answer differently:\n${bodies.join('\n')}`)
  const body = bodies[0]!

  const run = (name: Target, durationSeconds: number) =>
    runLoad(targets[name].url, body, {
      connections: CONNECTIONS,
      durationSeconds,
      headers: targets[name].headers,
    })
  // Warm all, then alternate two rounds each so drift hits all alike.
  for (const name of names) await run(name, 2)
  const results = new Map<Target, Awaited<ReturnType<typeof runLoad>>[]>(names.map((name) => [name, []]))
  // CPU of this process (server and load generator) per call: less bent by other jobs than req/s.
  const cpuMicros = new Map<Target, number>(names.map((name) => [name, 0]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const cpuBefore = process.cpuUsage()
      results.get(name)!.push(await run(name, DURATION_SECONDS / ROUNDS))
      const cpu = process.cpuUsage(cpuBefore)
      cpuMicros.set(name, cpuMicros.get(name)! + cpu.user + cpu.system)
    }
  }
  const summaries = new Map(names.map((name) => [name, summarizeLoad(results.get(name)!)]))
  const cpuPerCall = (name: Target) => cpuMicros.get(name)! / 1000 / summaries.get(name)!.requests
  for (const [name, summary] of summaries) {
    console.log(
      `${name.padEnd(17)} ${summary.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${summary.p50Ms.toFixed(2)} ms   p99 ${summary.p99Ms.toFixed(2)} ms   cpu ${cpuPerCall(name).toFixed(3)} ms/call`,
    )
  }
  const ungatedRate = summaries.get('ungated')!.requestsPerSecond
  const rate = (result: Awaited<ReturnType<typeof runLoad>>) => result.requests / result.durationSeconds
  const roundRatios = (name: Target) =>
    results
      .get(name)!
      .map((result, round) => (rate(result) / rate(results.get('ungated')![round]!)).toFixed(2))
      .join(' ')
  for (const name of ['gated, anonymous', 'gated, signed in'] as const) {
    console.log(
      `${dialect}: ratio ${name}/ungated: ${(summaries.get(name)!.requestsPerSecond / ungatedRate).toFixed(2)} (rounds: ${roundRatios(name)}), by CPU per call ${(cpuPerCall('ungated') / cpuPerCall(name)).toFixed(2)}   target ≥ 0.9`,
    )
  }
  console.log(
    `load average ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}`,
  )
} finally {
  server.close()
  if (schema) await sql`drop schema ${sql.id(schema)} cascade`.execute(db)
  await db.destroy()
}
