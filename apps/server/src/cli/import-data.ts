import { readFile } from 'node:fs/promises'
import { migrateToLatest, migrationState, type TrellisDatabase, withTransaction } from '@trellis/db'
import { sql } from 'kysely'
import { readEnv } from '../env.js'
import { auditCliChange } from './cli-audit.js'
import { describeDatabase, withDatabase } from './cli-database.js'
import { CliError, defineCommand, required } from './command.js'
import { parseExport, type TrellisExport } from './export-file.js'
import { EXPORTED_TABLES } from './trellis-tables.js'

/**
 * Fills an empty, migrated database with an export's rows, all in one transaction: on any
 * failure nothing is imported. The tables stay locked from the emptiness check to the
 * commit, so of two imports (or an import and a first server start) one waits and then
 * finds the database taken.
 */
export async function importTables(db: TrellisDatabase, tables: TrellisExport['tables']): Promise<void> {
  await withTransaction(db, async (trx) => {
    await sql`lock table ${sql.join(EXPORTED_TABLES.map((table) => sql.table(table)))} in exclusive mode`.execute(
      trx,
    )
    for (const table of EXPORTED_TABLES) {
      const { rows } = await sql`select 1 from ${sql.table(table)} limit 1`.execute(trx)
      if (rows.length > 0) {
        throw new CliError(
          `The database is not empty (it has ${table}): import only into a new one (a new TRELLIS_DATA_DIR, or an empty PostgreSQL database or schema)`,
        )
      }
    }
    for (const table of EXPORTED_TABLES) {
      const rows = tables[table] ?? []
      if (rows.length === 0) continue
      // One statement per table: a row may name another of the same table (users' parents),
      // and references are checked at the statement's end.
      await sql`
        insert into ${sql.table(table)}
        select * from jsonb_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::jsonb)
      `.execute(trx)
    }
    await advanceSequences(trx)
    await auditCliChange(trx, 'import', null)
  })
}

/** Numbering columns (users.node) continue after the imported values, not from 1. */
async function advanceSequences(db: TrellisDatabase): Promise<void> {
  const { rows } = await sql<{ table: string; column: string }>`
    select table_name as table, column_name as column from information_schema.columns
    where table_schema = current_schema() and table_name in (${sql.join([...EXPORTED_TABLES])})
      and (is_identity = 'YES' or column_default like 'nextval(%')
  `.execute(db)
  for (const { table, column } of rows) {
    await sql`
      select setval(pg_get_serial_sequence(${table}, ${column}), coalesce(max(${sql.ref(column)}), 1), max(${sql.ref(column)}) is not null)
      from ${sql.table(table)}
    `.execute(db)
  }
}

export const importData = defineCommand({
  name: 'import',
  summary: 'load an export into an empty database',
  help: `Usage: trellis import --in FILE

Loads a file written by trellis export into an empty database (a new
TRELLIS_DATA_DIR, or an empty PostgreSQL database or TRELLIS_DATABASE_SCHEMA),
migrating it first. Refuses a database that has any Trellis data, such as one
a server has already started on, and an export of another schema version.
All or nothing: on any failure nothing is imported.

  --in FILE           the export to load`,
  options: {
    in: { type: 'string' },
  },
  async run(values, io) {
    const file = required(values.in, 'in', 'import')
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
    })
    const document = parseExport(text, file)
    const env = readEnv(io.env)
    await withDatabase(env, { create: true }, async (db) => {
      if ((await migrationState(db)).unknown.length === 0) await migrateToLatest(db)
      const { applied, unknown } = await migrationState(db)
      const current = unknown.length > 0 ? unknown.at(-1) : applied.at(-1)
      if (document.migration !== current) {
        throw new CliError(
          `${file} was exported at migration ${document.migration} and this database is at ${current}: import it with the Trellis version that exported it`,
        )
      }
      try {
        await importTables(db, document.tables)
      } catch (error) {
        if (error instanceof CliError) throw error
        // A hand-edited or damaged file: PostgreSQL says which value did not fit.
        throw new CliError(`${file} could not be imported, nothing was: ${(error as Error).message}`)
      }
    })
    const counts = EXPORTED_TABLES.map((table) => `${document.tables[table]?.length ?? 0} ${table}`)
    io.out(`Imported ${file} into ${describeDatabase(env)}: ${counts.join(', ')}`)
  },
})
