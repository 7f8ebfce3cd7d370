import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createDatabase, type TrellisDatabase } from '@trellis/db'
import { dropSchema } from '@trellis/db/testing'
import type { CommandResult } from '../../testing/run-command.js'

const CLI = fileURLToPath(new URL('../../../dist/cli.mjs', import.meta.url))

/**
 * Runs the built `trellis` (`dist/cli.mjs`) as its own process with only these settings
 * (and PATH), feeding `stdin` if given, to its end.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<CommandResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  child.stdin.end(stdin ?? '')
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** The lines a run printed on stdout. */
export const linesOf = (text: string) => text.trimEnd().split('\n')

/** A database of its own for CLI runs: never touched until a command creates it. */
export interface CliDatabase {
  /** The settings that select it, to pass to `runCli` (and to a server process). */
  readonly env: Record<string, string>
  readonly dialect: 'pglite' | 'postgres'
  /** Opens it in this process to look inside; close it before the next run on PGlite (one process per data directory). */
  open(): Promise<TrellisDatabase>
  dispose(): Promise<void>
}

/**
 * A fresh, empty database as the CLI sees it: a new PGlite data directory, or, when
 * DATABASE_URL is set, a new schema in that PostgreSQL database (TRELLIS_DATABASE_SCHEMA),
 * as the other process tests isolate.
 */
export async function createCliDatabase(databaseUrl = process.env.DATABASE_URL): Promise<CliDatabase> {
  if (!databaseUrl) {
    const parent = await mkdtemp(join(tmpdir(), 'trellis-cli-'))
    const dataDir = join(parent, 'data')
    return {
      env: { TRELLIS_DATA_DIR: dataDir },
      dialect: 'pglite',
      open: () => createDatabase({ dataDir }),
      dispose: () => rm(parent, { recursive: true, force: true }),
    }
  }
  const schema = `cli_${randomBytes(6).toString('hex')}`
  return {
    env: { DATABASE_URL: databaseUrl, TRELLIS_DATABASE_SCHEMA: schema },
    dialect: 'postgres',
    open: () => createDatabase({ databaseUrl, schema, maxConnections: 2 }),
    async dispose() {
      const db = await createDatabase({ databaseUrl, maxConnections: 1 })
      try {
        await dropSchema(db, schema)
      } finally {
        await db.destroy()
      }
    },
  }
}

/** Opens the database, runs `look`, and closes it again. */
export async function inspect<T>(
  database: CliDatabase,
  look: (db: TrellisDatabase) => Promise<T>,
): Promise<T> {
  const db = await database.open()
  try {
    return await look(db)
  } finally {
    await db.destroy()
  }
}
