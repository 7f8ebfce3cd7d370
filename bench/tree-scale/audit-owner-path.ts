// Issue 13, audit.list: what carrying the owner's path on audit events would buy and cost.
// Builds `list_candidates.audit_path`, a copy of audit_events with owner_path and the two
// indexes records got in migration 0010, then times audit.list's statement today against
// the records' shape on the copy (ids from the path range below 2,000 users, walking the
// newest from there: recordsNewestFirst's rule, size check included), first page at every
// scope; and the rewrite a 10k-user move would then make (rolled back).
// Run: cd bench && pnpm exec tsx tree-scale/audit-owner-path.ts (after load-audit.ts)
// Settings: SCALE_ITERATIONS (30).
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { ownerWithinLevel, RECORDS_WALK_FROM_USERS, subtreeRange } from '@trellis/db'
import { type CompiledQuery, sql } from 'kysely'
import { boundsOf, pageScopes, type Scope } from './page-scopes.js'
import { sampleLatencies } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 30)
const WARMUP = 5
const PAGE_ROWS = 51
const SLOW_MS = 50
const RESULTS_DIR = new URL('./results/', import.meta.url)

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')
const startLoad = loadavg()[0]!
await sql`set maintenance_work_mem = '1GB'`.execute(db)
await sql`create schema if not exists list_candidates`.execute(db)
let buildSeconds: number | undefined
if (
  !(await sql`select to_regclass('list_candidates.audit_path') as t`.execute(db)).rows.some(
    (row) => (row as { t: string | null }).t,
  )
) {
  const started = performance.now()
  await sql`create table list_candidates.audit_path as
    select a.*, u.path collate "C" as owner_path from audit_events a join users u on u.id = a.owner_id`.execute(
    db,
  )
  await sql`alter table list_candidates.audit_path add primary key (id)`.execute(db)
  await sql`create index audit_path_owner_path on list_candidates.audit_path (owner_path, occurred_at desc, id desc)`.execute(
    db,
  )
  await sql`create index audit_path_occurred on list_candidates.audit_path (occurred_at desc, id desc) include (owner_path)`.execute(
    db,
  )
  await sql`vacuum analyze list_candidates.audit_path`.execute(db)
  buildSeconds = Number(((performance.now() - started) / 1000).toFixed(1))
}
const sizeMb = (
  await sql<{
    mb: number
  }>`select round(pg_total_relation_size('list_candidates.audit_path') / 1048576.0)::int as mb`.execute(db)
).rows[0]!.mb

const idsOf = async (query: CompiledQuery) =>
  (await db.executeQuery<{ id: string }>(query)).rows.map((row) => row.id)

/** audit.list's statement today (audit-router.ts). */
const ours = (scope: Scope) =>
  db
    .selectFrom('audit_events')
    .selectAll()
    .where(
      ownerWithinLevel(
        'audit_events.owner_id',
        { id: '', path: scope.root?.path ?? '/' },
        scope.root ? 'OWNED' : 'ALL',
      ),
    )
    .orderBy('audit_events.occurred_at', 'desc')
    .orderBy('audit_events.id', 'desc')
    .limit(PAGE_ROWS)
    .compile()

/** The records' shape on the copy: the size check, then ids from one index, then the rows. */
async function withPath(scope: Scope): Promise<CompiledQuery> {
  const [lower, upper] = boundsOf(scope)
  const walk =
    !scope.root ||
    (
      await sql`select 1 from users where path >= ${lower} and path < ${upper} offset ${RECORDS_WALK_FROM_USERS - 1} limit 1`.execute(
        db,
      )
    ).rows.length > 0
  const path = walk ? sql`a.owner_path || ''` : sql`a.owner_path`
  return sql`
    select a.* from list_candidates.audit_path a where a.id in (
      select a.id from list_candidates.audit_path a where ${path} >= ${lower} and ${path} < ${upper}
      order by a.occurred_at desc, a.id desc limit ${PAGE_ROWS})
    order by a.occurred_at desc, a.id desc`.compile(db)
}

const rows: { scope: string; side: string; p50: number; p99: number; note?: string }[] = []
for (const scope of await pageScopes(db, meta)) {
  const sides: Record<string, () => Promise<CompiledQuery>> = {
    'today (ours)': async () => ours(scope),
    'owner_path carried': () => withPath(scope),
  }
  const reference = JSON.stringify(await idsOf(ours(scope)))
  const once: Record<string, number> = {}
  for (const [side, make] of Object.entries(sides)) {
    const started = performance.now()
    const ids = await idsOf(await make())
    once[side] = performance.now() - started
    if (JSON.stringify(ids) !== reference) throw new Error(`${scope.name}: ${side} differs`)
  }
  const sampled = Object.keys(sides).filter((side) => once[side]! < SLOW_MS)
  const latencies = await sampleLatencies(
    Object.fromEntries(sampled.map((side) => [side, async () => idsOf(await sides[side]!())])),
    WARMUP,
    ITERATIONS,
  )
  for (const side of Object.keys(sides)) {
    rows.push({
      scope: scope.name,
      side,
      p50: Number((latencies[side]?.p50 ?? once[side]!).toFixed(2)),
      p99: Number((latencies[side]?.p99 ?? Number.NaN).toFixed(2)),
      ...(latencies[side] ? {} : { note: 'one call' }),
    })
  }
  console.log(
    `${scope.name}: ${rows
      .slice(-2)
      .map((row) => `${row.side} ${row.p50} ms`)
      .join(', ')}, load ${loadavg()[0]!.toFixed(2)}`,
  )
}

// What a 10k-user move would then rewrite too (rolled back).
const moved = await db
  .selectFrom('users')
  .select('path')
  .where('id', '=', meta.moveUserId)
  .executeTakeFirstOrThrow()
const [lower, upper] = subtreeRange(moved.path)
let rewrite = { rows: 0, ms: 0 }
await sql`checkpoint`.execute(db)
await db
  .transaction()
  .execute(async (trx) => {
    const started = performance.now()
    const result = await sql`update list_candidates.audit_path set owner_path = '/9' || owner_path
      where owner_path >= ${lower} and owner_path < ${upper}`.execute(trx)
    rewrite = { rows: Number(result.numAffectedRows ?? 0), ms: Math.round(performance.now() - started) }
    throw new Error('roll back')
  })
  .catch(() => undefined)
const endLoad = loadavg()[0]!
const result = {
  loadAverage: { start: startLoad, end: endLoad },
  buildSeconds,
  sizeMb,
  moveRewrite: rewrite,
  rows,
}
console.log(JSON.stringify({ ...result, rows: undefined }))
await mkdir(RESULTS_DIR, { recursive: true })
await writeFile(new URL('audit-owner-path.json', RESULTS_DIR), `${JSON.stringify(result, null, 2)}\n`)
await db.destroy()
