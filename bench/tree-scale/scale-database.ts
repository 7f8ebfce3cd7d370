// Where the scale benchmark's PostgreSQL database lives, and the one-row record of what
// was loaded into it (`bench_meta`), which every later script reads instead of guessing.
import { createDatabase, type TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'

export const SCALE_DATABASE_NAME = 'trellis_scale'
const SERVER_URL = process.env.SCALE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432'
export const SCALE_DATABASE_URL = `${SERVER_URL}/${SCALE_DATABASE_NAME}`
export const ADMIN_DATABASE_URL = `${SERVER_URL}/postgres`

/** The users the measurements revolve around, chosen by the loader by subtree size. */
export interface BenchMeta {
  /** A non-root user whose subtree holds about 100,000 users. */
  readonly actorId: string
  /** The root of a subtree of about 10,000 users, outside the actor's UNION reach. */
  readonly moveUserId: string
  readonly moveFromParentId: string
  readonly moveToParentId: string
  readonly loadSeconds: number
  /** Dataset statistics for the report (users per depth, fan-out, records). */
  readonly shape: Record<string, unknown>
}

/** One connection: session settings (`set work_mem`) must stay with the statements they serve. */
export function openScaleDatabase(): Promise<TrellisDatabase> {
  return createDatabase({ databaseUrl: SCALE_DATABASE_URL, maxConnections: 1 })
}

/** The loaded dataset's meta, or undefined when the load never completed. */
export async function readBenchMeta(db: TrellisDatabase): Promise<BenchMeta | undefined> {
  const table = await sql<{ name: string | null }>`select to_regclass('bench_meta')::text as name`.execute(db)
  if (!table.rows[0]?.name) return undefined
  const row = await sql<{ value: BenchMeta }>`select value from bench_meta where key = 'dataset'`.execute(db)
  return row.rows[0]?.value
}

export async function writeBenchMeta(db: TrellisDatabase, meta: BenchMeta): Promise<void> {
  await sql`create table if not exists bench_meta (key text primary key, value jsonb not null)`.execute(db)
  await sql`
    insert into bench_meta (key, value) values ('dataset', ${JSON.stringify(meta)}::jsonb)
    on conflict (key) do update set value = excluded.value
  `.execute(db)
}
