// Throughput of a gated procedure against the same procedure without the gate, served
// by one server in one run: `system.info` through the Trellis API (caller resolution,
// access-version check, decision, audit on denial) and the same resolver on a bare tRPC
// router. Run: pnpm --filter @trellis/bench run gated (PGlite), or with DATABASE_URL set
// (PostgreSQL: a fresh schema, dropped afterwards).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
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
await prepareDatabase(
  db,
  { adminEmail: 'bench@example.com', adminPassword: 'bench password 1' },
  silentLogger,
)
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
  const targets = { gated: `${base}/gated/system.info`, ungated: `${base}/ungated/system.info` }
  const bodies = Object.fromEntries(
    await Promise.all(
      Object.entries(targets).map(async ([name, url]) => [name, await (await fetch(url)).text()]),
    ),
  ) as Record<keyof typeof targets, string>
  if (bodies.gated !== bodies.ungated)
    throw new Error(`The two targets answer differently:\n${bodies.gated}\n${bodies.ungated}`)

  // Warm both, then alternate two rounds each so drift hits both alike.
  for (const url of Object.values(targets))
    await runLoad(url, bodies.gated, { connections: CONNECTIONS, durationSeconds: 2 })
  const results = {
    gated: [] as Awaited<ReturnType<typeof runLoad>>[],
    ungated: [] as Awaited<ReturnType<typeof runLoad>>[],
  }
  for (let round = 0; round < 2; round++) {
    for (const name of ['gated', 'ungated'] as const) {
      results[name].push(
        await runLoad(targets[name], bodies.gated, {
          connections: CONNECTIONS,
          durationSeconds: DURATION_SECONDS / 2,
        }),
      )
    }
  }
  const gatedSummary = summarizeLoad(results.gated)
  const ungatedSummary = summarizeLoad(results.ungated)
  for (const [name, summary] of [
    ['gated', gatedSummary],
    ['ungated', ungatedSummary],
  ] as const) {
    console.log(
      `${name.padEnd(8)} ${summary.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${summary.p50Ms.toFixed(2)} ms   p99 ${summary.p99Ms.toFixed(2)} ms`,
    )
  }
  console.log(
    `${dialect}: ratio gated/ungated: ${(gatedSummary.requestsPerSecond / ungatedSummary.requestsPerSecond).toFixed(2)}   target ≥ 0.85`,
  )
} finally {
  server.close()
  if (schema) await sql`drop schema ${sql.id(schema)} cascade`.execute(db)
  await db.destroy()
}
