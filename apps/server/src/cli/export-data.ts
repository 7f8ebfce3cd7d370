import { chmod, writeFile } from 'node:fs/promises'
import { TRELLIS_VERSION } from '@trellis/api'
import { migrationState, type TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import { readEnv } from '../env.js'
import { assertSchemaCurrent, describeDatabase, withDatabase } from './cli-database.js'
import { defineCommand } from './command.js'
import type { TrellisExport } from './export-file.js'
import { EXPORTED_TABLES, type ExportedTable } from './trellis-tables.js'

/**
 * Every exported table's rows, read in one repeatable-read transaction so they fit
 * together. `to_jsonb` keeps every value exact (microsecond timestamps, jsonb as it is);
 * rows are sorted so two exports of equal data are equal.
 */
export async function exportTables(db: TrellisDatabase): Promise<TrellisExport['tables']> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const tables = {} as TrellisExport['tables']
      for (const table of EXPORTED_TABLES) tables[table] = await tableRows(trx, table)
      return tables
    })
}

async function tableRows(db: TrellisDatabase, table: ExportedTable): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<{ rows: Record<string, unknown>[] }>`
    select coalesce(jsonb_agg(to_jsonb(t) order by to_jsonb(t)::text), '[]'::jsonb) as rows
    from ${sql.table(table)} t
  `.execute(db)
  return rows[0]!.rows
}

export const exportData = defineCommand({
  name: 'export',
  summary: "write the database's Trellis data as JSON",
  help: `Usage: trellis export [--out FILE]

Writes the Trellis data as one JSON document: settings, roles and grants,
entity types, users (with their password hashes, so people can sign in after
an import), role bindings, invitations' bindings, records and their parties,
API keys (hashes only: the keys keep working) and the audit log. Sessions,
open reset and invitation tokens, mail in flight and the sign-in throttle are
left out. Read as one consistent snapshot; servers may keep running.

  --out FILE          write to FILE (created readable by its owner only);
                      standard output without it`,
  options: {
    out: { type: 'string' },
  },
  async run(values, io) {
    const env = readEnv(io.env)
    const document = await withDatabase(env, {}, async (db): Promise<TrellisExport> => {
      await assertSchemaCurrent(db)
      const { applied } = await migrationState(db)
      return {
        format: 'trellis-export',
        version: 1,
        trellisVersion: TRELLIS_VERSION,
        migration: applied.at(-1)!,
        exportedAt: new Date().toISOString(),
        tables: await exportTables(db),
      }
    })
    const text = `${JSON.stringify(document)}\n`
    if (!values.out) {
      io.out(text.trimEnd())
      return
    }
    // Password and key hashes: not for every reader of the directory.
    await writeFile(values.out, text, { mode: 0o600 })
    await chmod(values.out, 0o600)
    const counts = EXPORTED_TABLES.map((table) => `${document.tables[table].length} ${table}`)
    io.out(`Exported ${describeDatabase(env)} to ${values.out}: ${counts.join(', ')}`)
  },
})
