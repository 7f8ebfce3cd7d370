// Measures `GET /trpc/system.info` on the real Trellis server against a raw `node:http`
// server doing the same work, in one run, and prints the throughput ratio.
// Settings (environment): BENCH_DURATION_SECONDS (10), BENCH_WARMUP_SECONDS (2),
// BENCH_CONNECTIONS (10), BENCH_ROUNDS (1), DATABASE_URL (PostgreSQL instead of PGlite).
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LoadResult, runLoad, summarizeLoad } from './run-load.js'
import { startTargetProcess, type TargetName, type TargetProcess } from './target-process.js'

interface BenchSettings {
  readonly connections: number
  readonly durationSeconds: number
  readonly warmupSeconds: number
  readonly rounds: number
  readonly database: 'postgres' | 'pglite'
}

const TARGETS: readonly TargetName[] = ['trpc', 'raw']

function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  return {
    connections: readCount(env, 'BENCH_CONNECTIONS', 10, 1),
    durationSeconds: readCount(env, 'BENCH_DURATION_SECONDS', 10, 1),
    warmupSeconds: readCount(env, 'BENCH_WARMUP_SECONDS', 2, 0),
    rounds: readCount(env, 'BENCH_ROUNDS', 1, 1),
    database: env.DATABASE_URL ? 'postgres' : 'pglite',
  }
}

function readCount(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number): number {
  const raw = env[key]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) throw new Error(`${key} must be an integer >= ${min}`)
  return value
}

/** The body a target answers, checked to be a 200. */
async function fetchBody(name: TargetName, url: string): Promise<string> {
  const response = await fetch(url)
  const body = await response.text()
  if (response.status !== 200) throw new Error(`${name} answered ${response.status}: ${body}`)
  return body
}

interface TargetTotals {
  readonly loads: LoadResult[]
  /** SQL statements the target sent during the measured runs. */
  queries: number
  /** CPU time the target's process used during the measured runs (the server's own cost). */
  cpuMicros: number
}

function formatTable(totals: ReadonlyMap<TargetName, TargetTotals>): string {
  const header = ['target', 'p50 ms', 'p99 ms', 'req/s', 'requests', 'sql/call', 'cpu µs/call']
  const rows = [...totals].map(([name, { loads, queries, cpuMicros }]) => {
    const summary = summarizeLoad(loads)
    return [
      name,
      summary.p50Ms.toFixed(2),
      summary.p99Ms.toFixed(2),
      summary.requestsPerSecond.toFixed(1),
      String(summary.requests),
      (queries / summary.requests).toFixed(1),
      (cpuMicros / summary.requests).toFixed(0),
    ]
  })
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  )
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) =>
      column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
    )
  return [header, ...rows].map((cells) => line(cells).join('  ')).join('\n')
}

/** The machine's 1, 5 and 15 minute load averages: a busy machine compresses every ratio. */
function loadNow(): string {
  return loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')
}

async function main() {
  const settings = readSettings(process.env)
  const cpu = cpus()
  console.log('Trellis bench: GET /trpc/system.info, tRPC server vs raw node:http, loopback')
  console.log(
    `node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ` +
      `database ${settings.database}, ${settings.connections} connections, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.rounds} x ${settings.durationSeconds} s per target`,
  )

  const loadAtStart = loadNow()
  const root = await mkdtemp(join(tmpdir(), 'trellis-bench-'))
  const targets = new Map<TargetName, TargetProcess>()
  try {
    // Both servers stay up for the whole run; only the one under load uses a core.
    for (const name of TARGETS) targets.set(name, await startTargetProcess(name, join(root, name)))
    const trpcUrl = targets.get('trpc')!.infoUrl
    const body = await fetchBody('trpc', trpcUrl)
    const rawBody = await fetchBody('raw', targets.get('raw')!.infoUrl)
    // The comparison is only fair if both servers answer exactly the same bytes.
    if (rawBody !== body) throw new Error(`raw answers a different body:\n  ${rawBody}\ntrpc:\n  ${body}`)

    const { connections } = settings
    if (settings.warmupSeconds > 0) {
      for (const [, target] of targets) {
        await runLoad(target.infoUrl, body, { connections, durationSeconds: settings.warmupSeconds })
      }
    }
    const totals = new Map<TargetName, TargetTotals>(
      TARGETS.map((name) => [name, { loads: [], queries: 0, cpuMicros: 0 }]),
    )
    const roundRatios: number[] = []
    for (let round = 0; round < settings.rounds; round++) {
      // Alternate which target goes first, so a drift in the machine's speed hits both alike.
      const order = round % 2 === 0 ? TARGETS : [...TARGETS].reverse()
      for (const name of order) {
        const target = targets.get(name)!
        const total = totals.get(name)!
        const before = await target.countWork()
        total.loads.push(
          await runLoad(target.infoUrl, body, { connections, durationSeconds: settings.durationSeconds }),
        )
        const after = await target.countWork()
        total.queries += after.queries - before.queries
        total.cpuMicros += after.cpuMicros - before.cpuMicros
      }
      const lastRate = (name: TargetName) =>
        summarizeLoad(totals.get(name)!.loads.slice(-1)).requestsPerSecond
      roundRatios.push(lastRate('trpc') / lastRate('raw'))
    }

    console.log(`body: ${body}\n`)
    console.log(formatTable(totals))
    const rate = (name: TargetName) => summarizeLoad(totals.get(name)!.loads).requestsPerSecond
    const ratio = rate('trpc') / rate('raw')
    const perRound =
      roundRatios.length > 1 ? ` (rounds: ${roundRatios.map((r) => r.toFixed(2)).join(' ')})` : ''
    console.log(`ratio trpc/raw: ${ratio.toFixed(2)}${perRound}`)
    console.log(`load average at start ${loadAtStart}, at end ${loadNow()}`)
  } finally {
    const stopped = await Promise.allSettled([...targets.values()].map((target) => target.stop()))
    await rm(root, { recursive: true, force: true })
    for (const outcome of stopped) {
      if (outcome.status === 'rejected') {
        console.error(outcome.reason)
        process.exitCode = 1
      }
    }
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
