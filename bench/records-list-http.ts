// `records.list` over HTTP through the real SDK against its page query alone, in one run.
// A signed-in reader (OWNED over 50 users, 5,000 records) lists the first page (50) from
// BENCH_CONNECTIONS (4) clients, each a closed loop with a connection of its own; the
// server (records-list-server.ts) runs in a child process and reports the statements it
// sent and the CPU it spent. Rounds alternate HTTP and the page query alone (run by the
// server process on the same database, from as many loops).
// Run: pnpm --filter @trellis/bench run records (PGlite) or with DATABASE_URL set.
import { fork } from 'node:child_process'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createTrellisClient } from '@trellis/sdk'
import { type BenchMessage, READER, type ServerMessage } from './records-list-protocol.js'

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4)
const SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const PAGE = { limit: 50 }

const child = fork(fileURLToPath(new URL('./records-list-server.ts', import.meta.url)), [], {
  execArgv: [
    '--import',
    import.meta.resolve('tsx'),
    // BENCH_PROFILE_DIR: write the server's CPU profile there.
    ...(process.env.BENCH_PROFILE_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
      : []),
  ],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
const nextMessage = () =>
  Promise.race([
    new Promise<ServerMessage>((resolve) => child.once('message', resolve)),
    exited.then((code): never => {
      throw new Error(`The server process exited (code ${code})`)
    }),
  ])
async function ask<T extends ServerMessage['type']>(message: BenchMessage, expected: T) {
  const reply = nextMessage()
  child.send(message)
  const received = await reply
  if (received.type !== expected) throw new Error(`Expected ${expected}, got ${JSON.stringify(received)}`)
  return received as Extract<ServerMessage, { type: T }>
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.max(1, Math.ceil(fraction * sorted.length)) - 1] ?? Number.NaN
}
const load = () => loadavg()[0]!.toFixed(1)

const ready = await nextMessage()
if (ready.type !== 'ready') throw new Error(`The server could not start: ${JSON.stringify(ready)}`)
try {
  // One client per loop: the SDK batches calls made together, and each loop is one caller.
  const login = createTrellisClient({ url: ready.trpcUrl })
  const { token } = await login.auth.login.mutate(READER)
  if (!token) throw new Error('The login answered no session token')
  const clients = Array.from({ length: CONNECTIONS }, () =>
    createTrellisClient({ url: ready.trpcUrl, token }),
  )
  const firstPage = await clients[0]!.records.list.query(PAGE)
  if (firstPage.items.length !== PAGE.limit) throw new Error(`A page of ${firstPage.items.length} records`)

  async function httpRound(seconds: number) {
    const latenciesMs: number[] = []
    const end = performance.now() + seconds * 1000
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < end) {
          const start = performance.now()
          await client.records.list.query(PAGE)
          latenciesMs.push(performance.now() - start)
        }
      }),
    )
    return latenciesMs
  }

  await httpRound(2) // warm-up
  await ask({ type: 'capture' }, 'armed')
  await clients[0]!.records.list.query(PAGE)
  await ask({ type: 'time-sql', connections: CONNECTIONS, seconds: 1 }, 'sql-timings') // warm-up

  const http: number[] = []
  const alone: number[] = []
  let statements = 0
  let cpuMicros = 0
  let clientCpuMicros = 0
  let pageSql = ''
  console.log(`records.list, ${ready.dialect}, ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s each`)
  console.log('round  http p50 ms  sql p50 ms  sql/call  server cpu ms/call  client cpu ms/call  load')
  for (let round = 1; round <= ROUNDS; round++) {
    const before = await ask({ type: 'stats' }, 'stats')
    const clientBefore = process.cpuUsage()
    const calls = await httpRound(SECONDS)
    const client = process.cpuUsage(clientBefore)
    const after = await ask({ type: 'stats' }, 'stats')
    const sqlAlone = await ask(
      { type: 'time-sql', connections: CONNECTIONS, seconds: SECONDS },
      'sql-timings',
    )
    pageSql = sqlAlone.sql
    http.push(...calls)
    alone.push(...sqlAlone.latenciesMs)
    statements += after.statements - before.statements
    cpuMicros += after.cpuMicros - before.cpuMicros
    clientCpuMicros += client.user + client.system
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        0.5,
      ).toFixed(2)
    console.log(
      `${String(round).padStart(5)}  ${median(calls).padStart(11)}  ${median(sqlAlone.latenciesMs).padStart(10)}  ${((after.statements - before.statements) / calls.length).toFixed(2).padStart(8)}  ${((after.cpuMicros - before.cpuMicros) / 1000 / calls.length).toFixed(3).padStart(18)}  ${((client.user + client.system) / 1000 / calls.length).toFixed(3).padStart(18)}  ${load()}`,
    )
  }
  http.sort((a, b) => a - b)
  alone.sort((a, b) => a - b)
  const httpP50 = percentile(http, 0.5)
  const sqlP50 = percentile(alone, 0.5)
  const limit = 1.3 * (sqlP50 + 0.5)
  console.log(
    `all    http p50 ${httpP50.toFixed(2)} ms (p99 ${percentile(http, 0.99).toFixed(2)}), sql p50 ${sqlP50.toFixed(2)} ms (p99 ${percentile(alone, 0.99).toFixed(2)}), ${(statements / http.length).toFixed(2)} statements/call, server CPU ${(cpuMicros / 1000 / http.length).toFixed(3)} ms/call, SDK client CPU ${(clientCpuMicros / 1000 / http.length).toFixed(3)} ms/call, ${http.length} calls`,
  )
  console.log(
    `target http p50 <= 1.3 × (sql p50 + 0.5 ms) = ${limit.toFixed(2)} ms: ${httpP50 <= limit ? 'met' : 'not met'} (${(httpP50 / (sqlP50 + 0.5)).toFixed(2)}×); load average ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}`,
  )
  console.log(`page query: ${pageSql.replace(/\s+/g, ' ')}`)
} finally {
  child.send({ type: 'stop' } satisfies BenchMessage)
  await exited
}
