// Running a compiled page query in the scale bench: its ids (to check that every side of a
// comparison returns the same rows) and its EXPLAIN (ANALYZE, BUFFERS) text.
import type { TrellisDatabase } from '@trellis/db'
import type { CompiledQuery } from 'kysely'

export async function idsOf(db: TrellisDatabase, query: CompiledQuery): Promise<string[]> {
  return (await db.executeQuery<{ id: string }>(query)).rows.map((row) => row.id)
}

export async function explainAnalyze(db: TrellisDatabase, query: CompiledQuery): Promise<string> {
  const plan = await db.executeQuery<{ 'QUERY PLAN': string }>({
    ...query,
    sql: `explain (analyze, buffers) ${query.sql}`,
  })
  return plan.rows.map((row) => row['QUERY PLAN']).join('\n')
}
