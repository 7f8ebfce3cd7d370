import { access } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createDatabase, migrationState, type TrellisDatabase } from '@trellis/db'
import type { ServerEnv } from '../env.js'
import { databaseConfigOf, openDatabaseWhenReachable } from '../open-database.js'
import { createCliLogger } from './cli-logger.js'
import { CliError } from './command.js'

export interface OpenOptions {
  /** Create an embedded database where none is yet (migrate, import); otherwise refuse. */
  readonly create?: boolean
  /** PostgreSQL: how long to wait for an unreachable server; TRELLIS_DATABASE_WAIT_SECONDS by default. */
  readonly waitSeconds?: number
}

/** Which database the settings select, in words, never with a password. */
export function describeDatabase(env: ServerEnv): string {
  if (!env.DATABASE_URL) return `PGlite at ${resolve(env.TRELLIS_DATA_DIR)}`
  const url = new URL(env.DATABASE_URL)
  const schema = env.TRELLIS_DATABASE_SCHEMA ? ` (schema ${env.TRELLIS_DATABASE_SCHEMA})` : ''
  return `PostgreSQL at ${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname}${schema}`
}

/**
 * Opens the database exactly as the server does (same settings, same wait for PostgreSQL,
 * same data-directory lock for PGlite), runs `work` with it and closes it.
 */
export async function withDatabase<T>(
  env: ServerEnv,
  options: OpenOptions,
  work: (db: TrellisDatabase) => Promise<T>,
): Promise<T> {
  const db = await openDatabase(env, options)
  try {
    return await work(db)
  } finally {
    await db.destroy()
  }
}

async function openDatabase(env: ServerEnv, options: OpenOptions): Promise<TrellisDatabase> {
  // Two connections: the CLI does one thing at a time.
  const open = () => createDatabase({ ...databaseConfigOf(env), maxConnections: 2 })
  if (env.DATABASE_URL) {
    return openDatabaseWhenReachable(open, {
      databaseUrl: env.DATABASE_URL,
      waitSeconds: options.waitSeconds ?? env.TRELLIS_DATABASE_WAIT_SECONDS,
      logger: createCliLogger(),
    })
  }
  // PGlite would quietly create an empty database in a mistyped directory.
  if (!options.create && !(await exists(join(env.TRELLIS_DATA_DIR, 'PG_VERSION')))) {
    throw new CliError(
      `No Trellis database at ${resolve(env.TRELLIS_DATA_DIR)} (TRELLIS_DATA_DIR): start the server or run trellis migrate first`,
    )
  }
  return open()
}

/** Refuses to work on a database whose schema is not this Trellis's: writes would fail or mislead. */
export async function assertSchemaCurrent(db: TrellisDatabase): Promise<void> {
  const { pending, unknown } = await migrationState(db)
  if (unknown.length > 0) {
    throw new CliError(
      `The database was migrated by a newer Trellis (${unknown.join(', ')}): use that version's trellis`,
    )
  }
  if (pending.length > 0) {
    throw new CliError(
      `The database lacks ${pending.length} migration(s): run trellis migrate (or start the server) first`,
    )
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}
