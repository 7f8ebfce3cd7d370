// A target process (see target-process.ts): serves one server under test until its parent
// says stop. Arguments: the target's name and the directory for its embedded database.
import { createDatabase, dialectOf } from '@trellis/db'
import { createLogger, readEnv, startServer } from '@trellis/server'
import { QueryCounterPlugin } from './query-counter-plugin.js'
import { startRawHttpServer } from './raw-http-server.js'
import type { ParentMessage, TargetMemory, TargetMessage, TargetName } from './target-process.js'
import { BENCH_ADMIN } from './target-process.js'

interface ServedTarget {
  readonly infoUrl: string
  close(): Promise<void>
}

async function serve(name: TargetName, dataDir: string, counter: QueryCounterPlugin): Promise<ServedTarget> {
  // Both targets open their database the same way: PostgreSQL when DATABASE_URL is set.
  const databaseUrl = process.env.DATABASE_URL || undefined
  const dialect = dialectOf({ databaseUrl })
  const opened = await createDatabase({ databaseUrl, dataDir })
  const db = opened.withPlugin(counter)
  try {
    if (name === 'raw') {
      const raw = await startRawHttpServer({ db, dialect })
      return { infoUrl: raw.infoUrl, close: () => raw.close().finally(() => db.destroy()) }
    }
    const env = readEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      TRELLIS_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      // Known credentials, so a bench can sign in (the memory bench does).
      TRELLIS_ADMIN_EMAIL: BENCH_ADMIN.email,
      TRELLIS_ADMIN_PASSWORD: BENCH_ADMIN.password,
      // The memory bench's wrong-password logins must not lock out its good ones.
      TRELLIS_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
    })
    // The real server, given the counted handle; it then leaves closing the database to us.
    const server = await startServer({ env, logger: createLogger(env.LOG_LEVEL), database: { db, dialect } })
    return {
      infoUrl: `${server.trpcUrl}/system.info`,
      close: () => server.close().finally(() => db.destroy()),
    }
  } catch (error) {
    await db.destroy()
    throw error
  }
}

/** The CPU time this process has used (user and system), in microseconds. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** RSS as it is, then the heap after a full collection when `--expose-gc` allows one. */
function memoryNow(): TargetMemory {
  const { rss } = process.memoryUsage()
  globalThis.gc?.()
  const { heapUsed, external } = process.memoryUsage()
  return { rss, heapUsed, external }
}

/** Resolves once the message is handed over, so exiting right after cannot lose it. */
function tell(message: TargetMessage): Promise<void> {
  return new Promise((resolve) => {
    process.send?.(message, undefined, undefined, () => resolve())
  })
}

const [name, dataDir] = process.argv.slice(2)
if ((name !== 'trpc' && name !== 'raw') || !dataDir || !process.send) {
  process.stderr.write('usage: a child of target-process.ts, with arguments trpc|raw DATA_DIR\n')
  process.exit(2)
}

try {
  const counter = new QueryCounterPlugin()
  const target = await serve(name, dataDir, counter)
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    target.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`The ${name} server failed to close: ${String(error)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('message', (message: ParentMessage) => {
    if (message === 'count-work')
      void tell({ type: 'work', work: { queries: counter.count, cpuMicros: cpuMicros() } })
    if (message === 'report-memory') void tell({ type: 'memory', usage: memoryNow() })
    if (message === 'stop') stop()
  })
  // A parent that died must not leave a server (and its database) behind.
  process.once('disconnect', stop)
  await tell({ type: 'ready', infoUrl: target.infoUrl })
} catch (error) {
  await tell({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  process.exit(1)
}
