// Issue 13, target 1 for audit.list: its page (first page of 50, and a deep page by cursor)
// at OWNED for subtrees of 1 to 100k users, at UNION and at ALL, on the scale dataset with
// the audit events of load-audit.ts. audit_events carries only its owner's id, so every shape
// goes through users: `ours` is the statement audit.list sends (owner_id in the subtree's
// users, the planner's choice); hand-written: `walk` (events newest first, each owner's path
// probed by a scalar subplan), `merge` (each subtree user's newest 51 from
// audit_events_owner, merged) and `gated` (merge below 2,000 users, walk from there, as
// records did before migration 0010). Every side must return the same rows. Saves
// results/audit-list-pages.json and EXPLAIN of every side.
// Run: cd bench && pnpm exec tsx tree-scale/audit-list-pages.ts (after load-audit.ts)
// Settings: SCALE_ITERATIONS (40).
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { ownerWithinLevel } from '@trellis/db'
import { type CompiledQuery, type SqlBool, sql } from 'kysely'
import { boundsOf, pageScopes, type Scope } from './page-scopes.js'
import { explainAnalyze, idsOf as idsOfOn } from './run-query.js'
import { sampleLatencies } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 40)
const WARMUP = 5
const PAGE_ROWS = 51
const DEEP_OFFSET = 1000
const SLOW_MS = 50
const GATE_USERS = 2000
const RESULTS_DIR = new URL('./results/', import.meta.url)

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')
const audit = await sql`select 1 from bench_meta where key = 'audit'`.execute(db)
if (audit.rows.length === 0) throw new Error('no audit events: run tree-scale/load-audit.ts first')
const scopes = await pageScopes(db, meta)

type Cursor = readonly [Date, string] | null
const after = (cursor: Cursor) =>
  cursor ? sql`and (a.occurred_at, a.id) < (${cursor[0]}, ${cursor[1]})` : sql``

/** audit.list's statement (audit-router.ts): the level filter, the keyset, 51 rows. */
function ours(scope: Scope, cursor: Cursor): CompiledQuery {
  const actor = { id: '', path: scope.root?.path ?? '/' }
  let query = db
    .selectFrom('audit_events')
    .selectAll()
    .where(ownerWithinLevel('audit_events.owner_id', actor, scope.root ? 'OWNED' : 'ALL'))
    .orderBy('audit_events.occurred_at', 'desc')
    .orderBy('audit_events.id', 'desc')
  if (cursor) {
    query = query.where(
      sql<SqlBool>`("audit_events"."occurred_at", "audit_events"."id") < (${cursor[0]}, ${cursor[1]})`,
    )
  }
  return query.limit(PAGE_ROWS).compile()
}

const handWritten = {
  walk: (scope: Scope, cursor: Cursor) => {
    const [lower, upper] = boundsOf(scope)
    return sql`
      select a.* from audit_events a
      where (select u.path >= ${lower} and u.path < ${upper} from users u where u.id = a.owner_id) ${after(cursor)}
      order by a.occurred_at desc, a.id desc limit ${PAGE_ROWS}`.compile(db)
  },
  merge: (scope: Scope, cursor: Cursor) => {
    const [lower, upper] = boundsOf(scope)
    return sql`
      select a.* from audit_events a where a.id in (
        select e.id from users u cross join lateral (
          select a.id, a.occurred_at from audit_events a where a.owner_id = u.id ${after(cursor)}
          order by a.occurred_at desc, a.id desc limit ${PAGE_ROWS}
        ) e
        where u.path >= ${lower} and u.path < ${upper}
        order by e.occurred_at desc, e.id desc limit ${PAGE_ROWS})
      order by a.occurred_at desc, a.id desc`.compile(db)
  },
}
const sizeOf = async (scope: Scope) => {
  const [lower, upper] = boundsOf(scope)
  const found =
    await sql`select 1 from users where path >= ${lower} and path < ${upper} offset ${GATE_USERS - 1} limit 1`.execute(
      db,
    )
  return found.rows.length > 0
}

const idsOf = (query: CompiledQuery) => idsOfOn(db, query)
const explain = (query: CompiledQuery) => explainAnalyze(db, query)

const rows: { scope: string; page: string; side: string; p50: number; p99: number; note?: string }[] = []
const plans: string[] = []
const startLoad = loadavg()[0]!
for (const scope of scopes) {
  const [lower, upper] = boundsOf(scope)
  const visible = await sql<{ n: number }>`
    select count(*)::int as n from (
      select 1 from audit_events a where a.owner_id in (select u.id from users u where u.path >= ${lower} and u.path < ${upper})
      limit ${2 * DEEP_OFFSET}) capped`.execute(db)
  const deepAt = Math.min(DEEP_OFFSET, Math.floor(visible.rows[0]!.n / 2))
  const deep = await sql<{ occurred_at: Date; id: string }>`
    select a.occurred_at, a.id from audit_events a
    where a.owner_id in (select u.id from users u where u.path >= ${lower} and u.path < ${upper})
    order by a.occurred_at desc, a.id desc offset ${deepAt} limit 1`.execute(db)
  const deepCursor: Cursor = deep.rows[0] ? [deep.rows[0].occurred_at, deep.rows[0].id] : null
  for (const [page, cursor] of [
    ['first', null],
    [`after ${deepAt}`, deepCursor],
  ] as const) {
    const sides: Record<string, () => Promise<CompiledQuery>> = {
      ours: async () => ours(scope, cursor),
      'hand: walk': async () => handWritten.walk(scope, cursor),
      'hand: merge': async () => handWritten.merge(scope, cursor),
      // The size check is timed with the gated side.
      'hand: gated': async () =>
        (await sizeOf(scope)) ? handWritten.walk(scope, cursor) : handWritten.merge(scope, cursor),
    }
    const reference = JSON.stringify(await idsOf(ours(scope, cursor)))
    const once: Record<string, number> = {}
    for (const [side, make] of Object.entries(sides)) {
      const started = performance.now()
      const ids = await idsOf(await make())
      once[side] = performance.now() - started
      if (JSON.stringify(ids) !== reference) throw new Error(`${scope.name} ${page}: ${side} differs`)
    }
    const sampled = Object.keys(sides).filter((side) => once[side]! < SLOW_MS)
    const latencies = await sampleLatencies(
      Object.fromEntries(sampled.map((side) => [side, async () => idsOf(await sides[side]!())])),
      WARMUP,
      ITERATIONS,
    )
    const p50Of = (side: string) => latencies[side]?.p50 ?? once[side]!
    for (const side of Object.keys(sides)) {
      rows.push({
        scope: scope.name,
        page,
        side,
        p50: Number(p50Of(side).toFixed(3)),
        p99: Number((latencies[side]?.p99 ?? Number.NaN).toFixed(3)),
        ...(latencies[side] ? {} : { note: 'one call' }),
      })
    }
    if (page === 'first') {
      for (const [side, make] of Object.entries(sides)) {
        const query = await make()
        plans.push(`## ${scope.name}, ${page} page: ${side}\n\n\`\`\`\n${await explain(query)}\n\`\`\`\n`)
      }
    }
    console.log(
      `${scope.name} ${page}: ${Object.keys(sides)
        .map((side) => `${side} ${p50Of(side).toFixed(2)}`)
        .join(', ')} ms, load ${loadavg()[0]!.toFixed(2)}`,
    )
  }
}
const endLoad = loadavg()[0]!
console.log(
  `${ITERATIONS} iterations after ${WARMUP} warm-up; load average ${startLoad.toFixed(2)} at start, ${endLoad.toFixed(2)} at end`,
)
await mkdir(RESULTS_DIR, { recursive: true })
await writeFile(
  new URL('audit-list-pages.json', RESULTS_DIR),
  `${JSON.stringify({ loadAverage: { start: startLoad, end: endLoad }, rows }, null, 2)}\n`,
)
await writeFile(
  new URL('audit-list-pages-plans.md', RESULTS_DIR),
  `# audit.list pages: EXPLAIN (ANALYZE, BUFFERS), trellis_scale\n\n${plans.join('\n')}`,
)
await db.destroy()
