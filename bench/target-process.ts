import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The two servers under test: the real Trellis server (tRPC) and the raw `node:http` baseline. */
export type TargetName = 'trpc' | 'raw'

/** The trpc target's first admin, so a bench can sign in. */
export const BENCH_ADMIN = { email: 'bench-admin@example.com', password: 'bench admin password' } as const

/** What a target process tells its parent. */
export type TargetMessage =
  | { readonly type: 'ready'; readonly infoUrl: string }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'work'; readonly work: TargetWork }
  | { readonly type: 'memory'; readonly usage: TargetMemory }

/** What a target has done since it started: SQL statements sent, CPU time used. */
export interface TargetWork {
  readonly queries: number
  readonly cpuMicros: number
}

/** A target's memory, in bytes: RSS as found, the heap after a full collection. */
export interface TargetMemory {
  readonly rss: number
  readonly heapUsed: number
  readonly external: number
}

/** What the parent asks of a target process: its work or memory so far, or to stop. */
export type ParentMessage = 'count-work' | 'report-memory' | 'stop'

export interface TargetProcess {
  /** Where the target answers `system.info`. */
  readonly infoUrl: string
  /** SQL statements sent and CPU time used since the target started. */
  countWork(): Promise<TargetWork>
  /** Its memory now (started with `exposeGc`, after a full garbage collection). */
  reportMemory(): Promise<TargetMemory>
  /** Closes the server (and its database) and waits for the process to exit. */
  stop(): Promise<void>
}

// A cold PGlite start plus migrations and the admin's password hash take a few seconds.
const START_TIMEOUT_MS = 120_000

/**
 * Starts one server under test in a child process, so that on a small machine it runs on a
 * core of its own instead of sharing an event loop with the load generator.
 *
 * @example
 * const target = await startTargetProcess('raw', '/tmp/bench/raw')
 * await fetch(target.infoUrl)
 * await target.stop()
 */
export async function startTargetProcess(
  name: TargetName,
  dataDir: string,
  { exposeGc = false }: { readonly exposeGc?: boolean } = {},
): Promise<TargetProcess> {
  const child = fork(fileURLToPath(new URL('./serve-target.ts', import.meta.url)), [name, dataDir], {
    // The child is TypeScript too: load it through tsx however this process was started.
    // BENCH_CPU_PROF_DIR: each server writes a V8 CPU profile there when it stops.
    execArgv: [
      '--import',
      import.meta.resolve('tsx'),
      ...(process.env.BENCH_CPU_PROF_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
        : []),
      ...(exposeGc ? ['--expose-gc'] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', () => resolve(null))
  })
  const ask = (message: ParentMessage) => child.send(message)
  const nextMessage = () =>
    new Promise<TargetMessage>((resolve, reject) => {
      child.once('message', (received) => resolve(received as TargetMessage))
      void exited.then((code) => reject(new Error(`The ${name} server exited (code ${code})`)))
    })

  try {
    const ready = await Promise.race([
      nextMessage(),
      new Promise<never>((_, reject) => {
        setTimeout(
          () => reject(new Error(`The ${name} server did not start within ${START_TIMEOUT_MS / 1000} s`)),
          START_TIMEOUT_MS,
        ).unref()
      }),
    ])
    if (ready.type === 'failed') throw new Error(`The ${name} server could not start: ${ready.message}`)
    if (ready.type !== 'ready') throw new Error(`The ${name} server sent ${ready.type} before ready`)
    return {
      infoUrl: ready.infoUrl,
      countWork: async () => {
        const reply = nextMessage()
        ask('count-work')
        const message = await reply
        if (message.type !== 'work') throw new Error(`The ${name} server answered ${message.type}`)
        return message.work
      },
      reportMemory: async () => {
        const reply = nextMessage()
        ask('report-memory')
        const message = await reply
        if (message.type !== 'memory') throw new Error(`The ${name} server answered ${message.type}`)
        return message.usage
      },
      stop: async () => {
        if (child.connected) ask('stop')
        const code = await exited
        if (code !== 0) throw new Error(`The ${name} server exited with code ${code} while stopping`)
      },
    }
  } catch (error) {
    child.kill()
    await exited
    throw error
  }
}
