import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely'
import pg from 'pg'
import { registerLocalAccessFeed } from './access-change-feed.js'
import { lockDataDir } from './data-dir-lock.js'
import { registerPool } from './pool-usage.js'
import type { Database } from './schema/database.js'

export interface DatabaseConfig {
  /** A PostgreSQL connection string. When set, Trellis talks to that server through `pg`. */
  readonly databaseUrl?: string | undefined
  /**
   * PostgreSQL only: the schema to work in (created if missing, first on the search path).
   * Lets several isolated copies share one database, as the tests do.
   */
  readonly schema?: string | undefined
  /** PostgreSQL only: the most connections the pool opens. */
  readonly maxConnections?: number | undefined
  /**
   * PostgreSQL only: how long opening a connection (or waiting for a free one) may take
   * before the query fails as unavailable; 5000 ms by default, so nothing hangs forever.
   */
  readonly connectTimeoutMs?: number | undefined
  /** Embedded only: the directory PGlite keeps its files in; omit for an in-memory database. */
  readonly dataDir?: string | undefined
  /** Embedded only: start from a dump made by `PGlite.dumpDataDir` (how tests skip a cold start). */
  readonly loadDataDir?: Blob | undefined
}

export type DatabaseDialect = 'postgres' | 'pglite'

/** Which engine a config selects: PostgreSQL when a URL is given, embedded PGlite otherwise. */
export function dialectOf(config: DatabaseConfig): DatabaseDialect {
  return config.databaseUrl ? 'postgres' : 'pglite'
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/
const DEFAULT_CONNECT_TIMEOUT_MS = 5000

/**
 * Opens the Trellis database: embedded PGlite by default, real PostgreSQL when
 * `databaseUrl` is set. The same migrations and queries run on both.
 *
 * @example
 * const db = await createDatabase({ dataDir: '.trellis/data' })
 * await migrateToLatest(db)
 * await db.destroy() // closes PGlite or ends the pool
 */
export async function createDatabase(config: DatabaseConfig = {}): Promise<Kysely<Database>> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config)
  return openPglite(config)
}

async function openPostgres(databaseUrl: string, config: DatabaseConfig): Promise<Kysely<Database>> {
  const { schema } = config
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid schema name "${schema}": use lowercase letters, digits and _`)
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: config.maxConnections ?? 10,
    connectionTimeoutMillis: config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  })
  // A client that loses its server must not crash the process. pg emits 'error' on the
  // pool for an idle client, but on the client itself while it is checked out (during a
  // query or a transaction), where an unheard 'error' event is fatal; the query that was
  // running fails on its own, and the pool drops the broken client when it comes back.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  if (schema) {
    try {
      await pool.query(`create schema if not exists ${schema}`)
    } catch (error) {
      await pool.end()
      throw error
    }
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  registerPool(db, pool)
  return db
}

async function openPglite(config: DatabaseConfig): Promise<Kysely<Database>> {
  // PGlite creates only the last folder of the path; a first run must not need more.
  if (config.dataDir) await mkdir(config.dataDir, { recursive: true })
  // One process per directory: a second one would overwrite what the first writes.
  const lock = config.dataDir ? await lockDataDir(config.dataDir) : undefined
  const pglite = await PGlite.create({
    ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    ...(config.loadDataDir ? { loadDataDir: config.loadDataDir } : {}),
  }).catch(async (error: unknown) => {
    await lock?.release()
    throw error
  })
  if (lock) {
    // Kysely's destroy() closes PGlite; the directory is free again once it is closed.
    const close = pglite.close.bind(pglite)
    pglite.close = () => close().finally(() => lock.release())
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) })
  await pglite.listen('trellis_access', registerLocalAccessFeed(db))
  return db
}
