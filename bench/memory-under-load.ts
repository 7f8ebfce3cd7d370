// Does the server's memory stay flat under a long mixed load? Starts the real Trellis server
// (built `dist`, in a child process), drives reads, writes, logins and failures through the
// SDK for BENCH_MINUTES, and prints the server's RSS and heap at the start, every minute and
// at the end. Settings (environment): BENCH_MINUTES (10), BENCH_WORKERS (4),
// BENCH_CYCLES_PER_SECOND (20, all workers together; 0 = as fast as they can),
// DATABASE_URL (PostgreSQL instead of PGlite).
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createTrellisClient, reasonOf, type TrellisClient } from '@trellis/sdk'
import { BENCH_ADMIN, startTargetProcess, type TargetMemory } from './target-process.js'

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10)
const WORKERS = Number(process.env.BENCH_WORKERS ?? 4)
const CYCLES_PER_SECOND = Number(process.env.BENCH_CYCLES_PER_SECOND ?? 20)
// Logins hash a password (tens of ms of CPU): one cycle in this many signs in afresh.
const CYCLES_PER_LOGIN = 20
const ENTITY_TYPE = 'benchNotes'

/** Calls made and how they ended; a failure the cycle did not ask for stops the bench. */
interface Tally {
  calls: number
  expectedFailures: number
  cycles: number
}

/** Expects `call` to fail with `reason`: the failures are part of the load. */
async function refused(call: Promise<unknown>, reason: string, tally: Tally): Promise<void> {
  tally.calls++
  try {
    await call
  } catch (error) {
    if (reasonOf(error) === reason) {
      tally.expectedFailures++
      return
    }
    throw error
  }
  throw new Error(`expected ${reason}, the call succeeded`)
}

/** One round of what clients do: reads, writes, refusals, and now and then a new session. */
async function cycle(url: string, session: { client: TrellisClient }, n: number, tally: Tally) {
  const ok = <T>(call: Promise<T>) => {
    tally.calls++
    return call
  }
  if (n % CYCLES_PER_LOGIN === CYCLES_PER_LOGIN - 1) {
    await ok(session.client.auth.logout.mutate())
    session.client = createTrellisClient({ url })
    await ok(session.client.auth.login.mutate(BENCH_ADMIN))
  }
  const { client } = session
  const anonymous = createTrellisClient({ url })
  await ok(anonymous.system.info.query())
  await ok(client.auth.me.query())
  await ok(client.records.create.mutate({ entityType: ENTITY_TYPE, data: { n } }))
  // Batched: the SDK sends these two as one request.
  await Promise.all([
    ok(client.records.list.query({ entityType: ENTITY_TYPE })),
    ok(client.users.list.query({})),
  ])
  await refused(client.users.get.query({ id: randomUUID() }), 'NOT_FOUND', tally)
  await refused(client.system.ping.query({ echo: '' }), 'INVALID_INPUT', tally)
  await refused(
    createTrellisClient({ url, token: `bogus-${n}` }).auth.me.query(),
    'INVALID_CREDENTIALS',
    tally,
  )
  if (n % CYCLES_PER_LOGIN === CYCLES_PER_LOGIN / 2) {
    await refused(
      anonymous.auth.login.mutate({ email: `nobody-${n}@example.com`, password: 'wrong password' }),
      'INVALID_CREDENTIALS',
      tally,
    )
  }
  tally.cycles++
}

function megabytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1).padStart(7)
}

function memoryLine(label: string, memory: TargetMemory, tally: Tally): string {
  const load = loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')
  return [
    label.padEnd(6),
    megabytes(memory.rss),
    megabytes(memory.heapUsed),
    megabytes(memory.external),
    String(tally.calls).padStart(9),
    `  ${load}`,
  ].join('  ')
}

async function main() {
  const database = process.env.DATABASE_URL ? 'postgres' : 'pglite'
  console.log(
    `Trellis memory bench: ${MINUTES} min of mixed SDK load, ${WORKERS} workers, ` +
      `${CYCLES_PER_SECOND || 'unpaced'} cycles/s, database ${database}, node ${process.version}`,
  )
  const root = await mkdtemp(join(tmpdir(), 'trellis-memory-'))
  const target = await startTargetProcess('trpc', join(root, 'trpc'), { exposeGc: true })
  try {
    const url = target.infoUrl.replace(/\/system\.info$/, '')
    const admin = createTrellisClient({ url })
    await admin.auth.login.mutate(BENCH_ADMIN)
    await admin.entityTypes.create.mutate({ name: ENTITY_TYPE, schema: { type: 'object' } })

    const tally: Tally = { calls: 0, expectedFailures: 0, cycles: 0 }
    console.log('minute  rss MB  heap MB  ext MB      calls  load average (1 5 15 min)')
    const start = await target.reportMemory()
    console.log(memoryLine('start', start, tally))

    const endAt = Date.now() + MINUTES * 60_000
    let next = 0
    // Each worker takes the next cycle number and waits for its slot when paced.
    const startedAt = Date.now()
    const worker = async () => {
      const session = { client: createTrellisClient({ url }) }
      await session.client.auth.login.mutate(BENCH_ADMIN)
      while (Date.now() < endAt) {
        const n = next++
        if (CYCLES_PER_SECOND > 0)
          await sleep(Math.max(0, startedAt + (n * 1000) / CYCLES_PER_SECOND - Date.now()))
        await cycle(url, session, n, tally)
      }
    }
    const workers = Promise.all(Array.from({ length: WORKERS }, worker))
    let minute = 0
    const samples = setInterval(() => {
      minute++
      void target.reportMemory().then((memory) => console.log(memoryLine(String(minute), memory, tally)))
    }, 60_000)
    try {
      await workers
    } finally {
      clearInterval(samples)
    }
    const end = await target.reportMemory()
    console.log(memoryLine('end', end, tally))
    console.log(
      `${tally.cycles} cycles, ${tally.calls} calls (${tally.expectedFailures} refused as intended); ` +
        `RSS ${megabytes(start.rss).trim()} → ${megabytes(end.rss).trim()} MB, ` +
        `heap after GC ${megabytes(start.heapUsed).trim()} → ${megabytes(end.heapUsed).trim()} MB`,
    )
  } finally {
    await target.stop()
    await rm(root, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
