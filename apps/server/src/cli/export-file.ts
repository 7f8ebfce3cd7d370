import { z } from 'zod'
import { CliError } from './command.js'
import { EXPORTED_TABLES, type ExportedTable } from './trellis-tables.js'

/** The JSON `trellis export` writes: each table's rows as PostgreSQL's `to_jsonb` gives them. */
export interface TrellisExport {
  readonly format: 'trellis-export'
  readonly version: 1
  /** The Trellis release that wrote it. */
  readonly trellisVersion: string
  /** The last migration of the database it came from: import needs the same schema. */
  readonly migration: string
  readonly exportedAt: string
  readonly tables: Record<ExportedTable, Record<string, unknown>[]>
}

const ExportSchema = z.object({
  format: z.literal('trellis-export'),
  version: z.literal(1),
  trellisVersion: z.string(),
  migration: z.string(),
  exportedAt: z.string(),
  tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
})

/** Reads an export's text, or refuses it in one line saying why. */
export function parseExport(text: string, source: string): TrellisExport {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new CliError(`${source} is not JSON: ${(error as Error).message}`)
  }
  const parsed = ExportSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new CliError(
      `${source} is not a Trellis export: ${issue.path.join('.') || 'the file'}: ${issue.message}`,
    )
  }
  const strange = Object.keys(parsed.data.tables).filter(
    (table) => !(EXPORTED_TABLES as readonly string[]).includes(table),
  )
  if (strange.length > 0)
    throw new CliError(`${source} has tables Trellis does not import: ${strange.join(', ')}`)
  return parsed.data as TrellisExport
}
