// Issue 16: Trellis is stateless above PostgreSQL. Three built server processes
// (`apps/server/dist/main.mjs`, as operators run it) start together on one fresh PostgreSQL
// database; the load generator spreads its keep-alive connections over the first N of them
// (N = 1, 2, 3) in turn, a fixed read mix (records.list, users.list) with an API key, and
// reports requests/s per N. Then an access change made through one process (the key's role
// unassigned, later assigned again) must decide the very next call through every process.
// BENCH_POOLER=host:port sends the servers through a connection pooler (PgBouncer) there.
// Run: pnpm build, then DATABASE_URL=postgres://… pnpm --filter @trellis/bench run servers
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDatabase } from '@trellis/db'
import { createTrellisClient, isTrellisError, type TrellisClient } from '@trellis/sdk'
import autocannon from 'autocannon'
import { sql } from 'kysely'
import { type ServerProcess, spawnServerProcess } from '../apps/server/src/testing/spawn-server-process.js'

const COUNTS = [1, 2, 3] as const
// A multiple of every count, so that each process gets the same number of connections.
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 6)
const SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 5)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1)
const FIRST_WARMUP_SECONDS = 5
const START_TIMEOUT_MS = 60_000
const ADMIN = { email: 'bench-admin@example.com', password: 'bench admin password' }
const RECORDS = 200
const USERS = 50
const PAGE = 20

const databaseUrl = process.env.DATABASE_URL
if (!databaseUrl) {
  // Embedded PGlite belongs to one process: several servers need PostgreSQL.
  process.stderr.write('Set DATABASE_URL to a PostgreSQL database: several servers share one database.\n')
  process.exit(2)
}

/** Linux's CPU time of a process (user + system), in seconds; NaN where /proc is missing. */
async function processCpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

/** The whole machine's busy and total CPU time so far, in clock ticks (/proc/stat). */
async function machineTicks(): Promise<{ busy: number; total: number }> {
  try {
    const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n')
    const ticks = cpu!.split(/\s+/).slice(1).map(Number)
    const total = ticks.reduce((sum, tick) => sum + tick, 0)
    // idle and iowait are the 4th and 5th.
    return { busy: total - ticks[3]! - ticks[4]!, total }
  } catch {
    return { busy: Number.NaN, total: Number.NaN }
  }
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.max(1, Math.ceil(fraction * sorted.length)) - 1] ?? Number.NaN
}

const trpcPath = (procedure: string, input: unknown) =>
  `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`
const READ_MIX = [
  { method: 'GET' as const, path: trpcPath('records.list', { entityType: 'notes', limit: PAGE }) },
  { method: 'GET' as const, path: trpcPath('users.list', { limit: PAGE }) },
]

// A fresh database, made and dropped through DATABASE_URL's; the bench watches it over one
// direct connection of its own, the servers reach it directly or through BENCH_POOLER.
const databaseName = `trellis_servers_${randomBytes(4).toString('hex')}`
const maintenance = await createDatabase({ databaseUrl, maxConnections: 1 })
await sql`create database ${sql.id(databaseName)}`.execute(maintenance)
const directUrl = new URL(databaseUrl)
directUrl.pathname = `/${databaseName}`
const serverUrl = new URL(directUrl)
if (process.env.BENCH_POOLER) serverUrl.host = process.env.BENCH_POOLER
const watcher = await createDatabase({ databaseUrl: directUrl.href, maxConnections: 1 })

/**
 * A start that never ends: behind PgBouncer in transaction mode the migrations' session
 * lock can stay with a pooled connection after its unlock ran on another, and the next
 * start waits for it for good (docs/scaling.md). Says which lock, then fails.
 */
async function startStuck(): Promise<never> {
  const { rows } = await sql<{ granted: boolean; state: string; query: string }>`
    select l.granted, a.state, a.query from pg_locks l join pg_stat_activity a using (pid)
    where l.locktype = 'advisory' and a.datname = current_database()
  `.execute(watcher)
  throw new Error(
    `The servers did not all start within ${START_TIMEOUT_MS / 1000} s. Advisory locks: ${JSON.stringify(rows)}`,
  )
}
const servers: ServerProcess[] = []
try {
  // All three start at once on the empty database: they migrate it, one creates the first admin.
  const started = Date.now()
  for (let index = 0; index < Math.max(...COUNTS); index++) {
    servers.push(
      spawnServerProcess({
        DATABASE_URL: serverUrl.href,
        TRELLIS_ADMIN_EMAIL: ADMIN.email,
        TRELLIS_ADMIN_PASSWORD: ADMIN.password,
      }),
    )
  }
  const listening = Promise.all(
    servers.map(async (server) => {
      const line = await server.waitForLog((log) => log.msg === 'Trellis is listening')
      return String(line.url)
    }),
  )
  const stuck = sleep(START_TIMEOUT_MS, undefined, { ref: false }).then(startStuck)
  // Whichever loses the race below fails later, unheard.
  for (const loser of [listening, stuck]) loser.catch(() => {})
  const urls = await Promise.race([listening, stuck])
  console.log(
    `${servers.length} servers up in ${((Date.now() - started) / 1000).toFixed(1)} s, to PostgreSQL ${process.env.BENCH_POOLER ? `through the pooler at ${serverUrl.host}` : 'directly'}: ${urls.join(' ')}`,
  )
  // Session-level advisory locks still held once every server started (migrations take one).
  const { rows: heldLocks } = await sql<{ count: string }>`
    select count(*) as count from pg_locks
    where locktype = 'advisory' and granted
      and database = (select oid from pg_database where datname = current_database())
  `.execute(watcher)
  console.log(`advisory locks held after the starts: ${heldLocks[0]!.count}`)

  // The world, made through the first process: a reader role, a service with a key, data.
  const admin = createTrellisClient({ url: `${urls[0]}/trpc` })
  const { user: adminUser } = await admin.auth.login.mutate(ADMIN)
  await admin.entityTypes.create.mutate({ name: 'notes', schema: { type: 'object' } })
  await admin.roles.create.mutate({ name: 'reader', grants: { 'records.read': 'ALL', 'users.read': 'ALL' } })
  const service = await admin.users.create.mutate({
    email: 'reader-bot@example.com',
    kind: 'service',
    parentId: adminUser.id,
  })
  const reader = { id: service.id, role: 'reader' }
  await admin.users.assignRole.mutate(reader)
  const { key } = await admin.apiKeys.create.mutate({ userId: service.id, name: 'bench' })
  for (let i = 0; i < USERS; i++) {
    await admin.users.create.mutate({ email: `user${i}@bench.local`, parentId: adminUser.id })
  }
  for (let i = 0; i < RECORDS; i++) {
    await admin.records.create.mutate({ entityType: 'notes', data: { n: i } })
  }
  const asReader = urls.map((url) => createTrellisClient({ url: `${url}/trpc`, apiKey: key }))

  /** Drives the read mix at the first `count` servers for `seconds`; fails on any non-200. */
  async function drive(count: number, seconds: number) {
    const instance = autocannon({
      // Connection i goes to url[i % count]: the generator's round-robin over the processes.
      url: urls.slice(0, count),
      connections: CONNECTIONS,
      duration: seconds,
      headers: { authorization: `Bearer ${key}` },
      requests: READ_MIX,
    })
    const latenciesMs: number[] = []
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode === 200) latenciesMs.push(responseTimeMs)
    })
    // How many PostgreSQL backends serve the processes under load (each pools up to 10).
    const backends = sleep((seconds * 1000) / 2).then(async () => {
      const { rows } = await sql<{ count: string }>`
        select count(*) as count from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
      `.execute(watcher)
      return Number(rows[0]!.count)
    })
    const result = await instance
    if (result.errors + result.non2xx + result.timeouts > 0 || latenciesMs.length === 0) {
      throw new Error(
        `Load on ${count} servers had failed responses: ${JSON.stringify({ errors: result.errors, non2xx: result.non2xx, timeouts: result.timeouts })}`,
      )
    }
    return {
      requests: result.requests.total,
      seconds: result.duration,
      latenciesMs,
      backends: await backends,
    }
  }

  /** Transactions committed or rolled back in this database so far (pg_stat_database). */
  async function transactions(): Promise<number> {
    // Backends report their counters about once a second while idle.
    await sleep(1500)
    const { rows } = await sql<{ count: string }>`
      select xact_commit + xact_rollback as count from pg_stat_database where datname = current_database()
    `.execute(watcher)
    return Number(rows[0]!.count)
  }

  interface Measured {
    requests: number
    seconds: number
    latenciesMs: number[]
    cpuSeconds: number[]
    transactions: number
    machineBusy: number
    backends: number
    load: number[]
  }
  const measured = new Map<number, Measured>()
  console.log(
    `read mix: records.list (${PAGE} of ${RECORDS}) and users.list (${PAGE} of ${USERS + 2}) in turn, ${CONNECTIONS} connections, ${FIRST_WARMUP_SECONDS} s warm-up on all, then ${WARMUP_SECONDS} s warm-up + ${ROUNDS} × ${SECONDS} s per N`,
  )
  // Every process serves its share first, so that none is measured before V8 optimised it.
  await drive(Math.max(...COUNTS), FIRST_WARMUP_SECONDS)
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order, so that a slow spell of the shared machine hits every N.
    for (const count of round % 2 === 0 ? COUNTS : [...COUNTS].reverse()) {
      await drive(count, WARMUP_SECONDS)
      const cpuBefore = await Promise.all(servers.map((server) => processCpuSeconds(server.child.pid!)))
      const transactionsBefore = await transactions()
      const ticksBefore = await machineTicks()
      const run = await drive(count, SECONDS)
      const ticksAfter = await machineTicks()
      const transactionsAfter = await transactions()
      const cpuAfter = await Promise.all(servers.map((server) => processCpuSeconds(server.child.pid!)))
      const so = measured.get(count) ?? {
        requests: 0,
        seconds: 0,
        latenciesMs: [],
        cpuSeconds: servers.map(() => 0),
        transactions: 0,
        machineBusy: 0,
        backends: 0,
        load: [],
      }
      so.requests += run.requests
      so.seconds += run.seconds
      so.latenciesMs.push(...run.latenciesMs)
      so.cpuSeconds = so.cpuSeconds.map((cpu, i) => cpu + cpuAfter[i]! - cpuBefore[i]!)
      so.transactions += transactionsAfter - transactionsBefore
      so.machineBusy += (ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total) / ROUNDS
      so.backends = Math.max(so.backends, run.backends)
      so.load.push(loadavg()[0]!)
      measured.set(count, so)
    }
  }

  const base = measured.get(1)!.requests / measured.get(1)!.seconds
  console.log(
    'N  req/s   ×N=1  p50 ms  p99 ms  cpu s per process  cpu ms/call  xact/call  backends  machine busy  load',
  )
  for (const count of COUNTS) {
    const so = measured.get(count)!
    const sorted = so.latenciesMs.sort((a, b) => a - b)
    const rate = so.requests / so.seconds
    console.log(
      [
        String(count),
        rate.toFixed(0).padStart(6),
        (rate / base).toFixed(2).padStart(5),
        percentile(sorted, 0.5).toFixed(2).padStart(6),
        percentile(sorted, 0.99).toFixed(2).padStart(6),
        so.cpuSeconds
          .map((cpu) => cpu.toFixed(1))
          .join(' ')
          .padStart(17),
        ((so.cpuSeconds.reduce((sum, cpu) => sum + cpu, 0) * 1000) / so.requests).toFixed(2).padStart(11),
        (so.transactions / so.requests).toFixed(2).padStart(9),
        String(so.backends).padStart(8),
        `${(so.machineBusy * 100).toFixed(0)}%`.padStart(12),
        so.load.map((value) => value.toFixed(1)).join(' '),
      ].join('  '),
    )
  }

  // Access changes: made through one process, seen by every process on its next call.
  const outcome = async (client: TrellisClient) => {
    try {
      await client.records.list.query({ entityType: 'notes', limit: 1 })
      await client.users.list.query({ limit: 1 })
      return 'ok'
    } catch (error) {
      if (isTrellisError(error)) return error.data?.code ?? error.message
      throw error
    }
  }
  const before = await Promise.all(asReader.map(outcome))
  await admin.users.unassignRole.mutate(reader)
  const afterUnassign = await Promise.all(asReader.map(outcome))
  // Assigned again through the last process this time.
  const lastAdmin = createTrellisClient({ url: `${urls.at(-1)}/trpc` })
  await lastAdmin.auth.login.mutate(ADMIN)
  await lastAdmin.users.assignRole.mutate(reader)
  const afterAssign = await Promise.all(asReader.map(outcome))
  console.log('access change, the next call through each process:')
  console.log(`  before:                                    ${before.join(' ')}`)
  console.log(`  role unassigned through process 1:         ${afterUnassign.join(' ')}`)
  console.log(`  role assigned again through process ${urls.length}:     ${afterAssign.join(' ')}`)
  const seenByAll =
    before.every((seen) => seen === 'ok') &&
    afterUnassign.every((seen) => seen === 'FORBIDDEN') &&
    afterAssign.every((seen) => seen === 'ok')
  if (!seenByAll) throw new Error('An access change was not decided by every process on its next call')
  console.log(
    `every process decided the next call by the change; load average ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}`,
  )
} finally {
  for (const server of servers) server.child.kill('SIGTERM')
  const codes = await Promise.all(servers.map((server) => server.exited))
  await watcher.destroy()
  await sql`drop database if exists ${sql.id(databaseName)} with (force)`.execute(maintenance)
  await maintenance.destroy()
  if (codes.some((code) => code !== 0)) {
    process.stderr.write(`A server exited with ${codes.map(String).join(', ')} while stopping\n`)
    process.exitCode = 1
  }
}
