// The server side of records-list-http.ts, in a process of its own: the real Trellis
// server on a seeded database, counting the statements it sends and the CPU it spends,
// and, when asked, timing the page query of `records.list` alone on the same database.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { hashPassword } from '@trellis/api/testing'
import {
  bindRole,
  createDatabase,
  createRole,
  dialectOf,
  insertUser,
  type TrellisDatabase,
} from '@trellis/db'
import { testEntityTypeId } from '@trellis/db/testing'
import { createLogger, readEnv, startServer } from '@trellis/server'
import {
  type CompiledQuery,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresQueryCompiler,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely'
import { type BenchMessage, READER, type ServerMessage } from './records-list-protocol.js'

const OWNERS = 50
const RECORDS = 5_000

/**
 * Counts every statement the server sends; when armed, keeps the next `records` page
 * query compiled, to be run alone later.
 */
class StatementWatch implements KyselyPlugin {
  statements = 0
  armed = false
  page: CompiledQuery | undefined
  readonly #compiler = new PostgresQueryCompiler()

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.armed) {
      const compiled = this.#compiler.compileQuery(args.node, args.queryId)
      // The statement sent, not a derived table compiled on its way (recordsNewestFirst's).
      if (/^select .* from "records" .*\blimit\b/.test(compiled.sql)) {
        this.page = compiled
        this.armed = false
      }
    }
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.statements++
    return args.result
  }
}

/** A reader at OWNED over OWNERS users holding RECORDS records, spread over time. */
async function seed(db: TrellisDatabase): Promise<void> {
  const admin = await db.selectFrom('users').select('id').executeTakeFirstOrThrow()
  const typeId = await testEntityTypeId(db)
  const passwordHash = await hashPassword(READER.password)
  const ownerIds = await db.transaction().execute(async (trx) => {
    const reader = await insertUser(trx, {
      email: READER.email,
      kind: 'person',
      status: 'active',
      parent_id: admin.id,
      password_hash: passwordHash,
    })
    const ids = [reader.id]
    for (let i = 1; i < OWNERS; i++) {
      const parent = ids[Math.floor((i - 1) / 3)]!
      const user = await insertUser(trx, {
        email: `owner${i}@bench.local`,
        kind: 'person',
        status: 'active',
        parent_id: parent,
      })
      ids.push(user.id)
    }
    return ids
  })
  await sql`
    insert into records (owner_id, entity_type_id, data, created_at)
    select (${sql.val(ownerIds)}::uuid[])[1 + n % ${OWNERS}], ${typeId}, '{}',
           timestamptz '2026-01-01' + n * interval '1 minute'
    from generate_series(1, ${RECORDS}) n
  `.execute(db)
  const roleId = await createRole(db, 'bench-reader', { grants: { 'records.read': 'OWNED' } })
  if (!roleId) throw new Error('The bench role exists already')
  await bindRole(db, { userId: ownerIds[0]!, roleId, scope: null })
  await sql`analyze`.execute(db)
}

/** Runs `query` from `connections` closed loops for `seconds`; every answer's time. */
async function timeAlone(db: TrellisDatabase, query: CompiledQuery, connections: number, seconds: number) {
  const latenciesMs: number[] = []
  const end = performance.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const start = performance.now()
        await db.executeQuery(query)
        latenciesMs.push(performance.now() - start)
      }
    }),
  )
  return latenciesMs
}

function tell(message: ServerMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()))
}

const databaseUrl = process.env.DATABASE_URL || undefined
const dialect = dialectOf({ databaseUrl })
const schema = databaseUrl ? `bench_records_${process.pid}` : undefined
const dataDir = await mkdtemp(join(tmpdir(), 'trellis-records-bench-'))
const watch = new StatementWatch()
const opened = await createDatabase({ databaseUrl, schema, dataDir: databaseUrl ? undefined : dataDir })
const db = opened.withPlugin(watch)
const closeDatabase = async () => {
  if (schema) await sql`drop schema ${sql.id(schema)} cascade`.execute(opened)
  await opened.destroy()
  await rm(dataDir, { recursive: true, force: true })
}

try {
  const env = readEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    TRELLIS_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
  })
  const server = await startServer({ env, logger: createLogger(env.LOG_LEVEL), database: { db, dialect } })
  await seed(opened)
  process.on('message', async (message: BenchMessage) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage()
      await tell({ type: 'stats', statements: watch.statements, cpuMicros: cpu.user + cpu.system })
    } else if (message.type === 'capture') {
      watch.armed = true
      await tell({ type: 'armed' })
    } else if (message.type === 'time-sql') {
      if (!watch.page) throw new Error('No page query captured')
      const latenciesMs = await timeAlone(opened, watch.page, message.connections, message.seconds)
      await tell({ type: 'sql-timings', sql: watch.page.sql, latenciesMs })
    } else if (message.type === 'stop') {
      await server.close()
      await closeDatabase()
      process.exit(0)
    }
  })
  process.once('disconnect', () => void server.close().then(closeDatabase, closeDatabase))
  await tell({ type: 'ready', trpcUrl: server.trpcUrl, dialect })
} catch (error) {
  await tell({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  await closeDatabase()
  process.exit(1)
}
