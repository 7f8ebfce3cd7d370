// Issue 13, target 1 for users.list: its page (first page of 50, and a deep page by cursor)
// at OWNED for subtrees of 1 to 100k users, at UNION and at ALL, on the 1M-user dataset,
// against the best of three hand-written shapes measured in the same interleaved run:
// `plain` (what users.list sent before migration 0012: one statement, the planner's
// choice), `range` (the subtree's ids read whole from users_path_created, the newest 51
// kept) and `walk` (users_created_path newest first, path hidden). Every side must return
// the same rows. Saves results/users-list-pages.json and EXPLAIN of ours and the best.
// Run: cd bench && pnpm exec tsx tree-scale/users-list-pages.ts
// Settings: SCALE_ITERATIONS (60).
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { type CompiledQuery, sql } from 'kysely'
import { ourUsersPage } from './our-users-page.js'
import { boundsOf, pageScopes, type Scope } from './page-scopes.js'
import { explainAnalyze, idsOf as idsOfOn } from './run-query.js'
import { sampleLatencies } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 60)
const WARMUP = 10
const PAGE_ROWS = 51
const DEEP_OFFSET = 1000
const SLOW_MS = 50
const RESULTS_DIR = new URL('./results/', import.meta.url)

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')
const scopes = await pageScopes(db, meta)

type Cursor = readonly [Date, string] | null
const COLUMNS = sql.raw(
  'u.id, u.email, u.display_name, u.kind, u.status, u.parent_id, u.created_at, u.updated_at',
)
const after = (cursor: Cursor) =>
  cursor ? sql`and (u.created_at, u.id) < (${cursor[0]}, ${cursor[1]})` : sql``

const handWritten = {
  /** users.list before migration 0012: the rows themselves, in the planner's choice of plan. */
  plain: (scope: Scope, cursor: Cursor) => {
    const [lower, upper] = boundsOf(scope)
    return sql`
      select ${COLUMNS} from users u where u.path >= ${lower} and u.path < ${upper} ${after(cursor)}
      order by u.created_at desc, u.id desc limit ${PAGE_ROWS}`.compile(db)
  },
  /** The subtree's ids read whole from (path, created_at, id), the newest 51 kept, then their rows. */
  range: (scope: Scope, cursor: Cursor) => {
    const [lower, upper] = boundsOf(scope)
    return sql`
      with subtree as materialized (
        select u.id, u.created_at from users u where u.path >= ${lower} and u.path < ${upper} ${after(cursor)}
      ), top as (select id from subtree order by created_at desc, id desc limit ${PAGE_ROWS})
      select ${COLUMNS} from users u where u.id in (select id from top)
      order by u.created_at desc, u.id desc`.compile(db)
  },
  /** (created_at, id) newest first, testing the path kept in the index entry. */
  walk: (scope: Scope, cursor: Cursor) => {
    const [lower, upper] = boundsOf(scope)
    return sql`
      select ${COLUMNS} from users u where u.id in (
        select u.id from users u
        where u.path || '' >= ${lower} and u.path || '' < ${upper} ${after(cursor)}
        order by u.created_at desc, u.id desc limit ${PAGE_ROWS})
      order by u.created_at desc, u.id desc`.compile(db)
  },
}
const HAND = Object.keys(handWritten) as (keyof typeof handWritten)[]

const idsOf = (query: CompiledQuery) => idsOfOn(db, query)
const explain = (query: CompiledQuery) => explainAnalyze(db, query)

const rows: {
  scope: string
  page: string
  side: string
  p50: number
  p99: number
  ratio: number
  note?: string
}[] = []
const plans: string[] = []
const startLoad = loadavg()[0]!
for (const scope of scopes) {
  const [lower, upper] = boundsOf(scope)
  const size = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from users where path >= ${lower} and path < ${upper} limit ${2 * DEEP_OFFSET}) capped
  `.execute(db)
  const deepAt = Math.min(DEEP_OFFSET, Math.floor(size.rows[0]!.n / 2))
  const deep = await sql<{ created_at: Date; id: string }>`
    select created_at, id from users where path >= ${lower} and path < ${upper}
    order by created_at desc, id desc offset ${deepAt} limit 1
  `.execute(db)
  const deepCursor: Cursor = deep.rows[0] ? [deep.rows[0].created_at, deep.rows[0].id] : null
  for (const [page, cursor] of [
    ['first', null],
    [`after ${deepAt}`, deepCursor],
  ] as const) {
    const path = scope.root?.path ?? null
    const runs: Record<string, () => Promise<string[]>> = {
      // The size check users.list makes before its page is timed with ours.
      ours: async () => idsOf(await ourUsersPage(db, path, cursor)),
      ...Object.fromEntries(
        HAND.map((side) => [`hand: ${side}`, () => idsOf(handWritten[side](scope, cursor))]),
      ),
    }
    const reference = JSON.stringify(await runs['hand: plain']!())
    const once: Record<string, number> = {}
    for (const [side, run] of Object.entries(runs)) {
      const started = performance.now()
      const ids = await run()
      once[side] = performance.now() - started
      if (JSON.stringify(ids) !== reference) throw new Error(`${scope.name} ${page}: ${side} differs`)
    }
    const sampled = Object.keys(runs).filter((side) => once[side]! < SLOW_MS)
    const latencies = await sampleLatencies(
      Object.fromEntries(sampled.map((side) => [side, runs[side]!])),
      WARMUP,
      ITERATIONS,
    )
    const p50Of = (side: string) => latencies[side]?.p50 ?? once[side]!
    const best = HAND.map((side) => `hand: ${side}`).reduce((a, b) => (p50Of(a) <= p50Of(b) ? a : b))
    for (const side of Object.keys(runs)) {
      rows.push({
        scope: scope.name,
        page,
        side: side === best ? `${side} (best)` : side,
        p50: Number(p50Of(side).toFixed(3)),
        p99: Number((latencies[side]?.p99 ?? Number.NaN).toFixed(3)),
        ratio: Number((p50Of(side) / p50Of(best)).toFixed(2)),
        ...(latencies[side] ? {} : { note: 'one call' }),
      })
    }
    const bestQuery = handWritten[best.replace('hand: ', '') as keyof typeof handWritten](scope, cursor)
    for (const [side, query] of [
      ['ours', await ourUsersPage(db, path, cursor)],
      [best, bestQuery],
    ] as const) {
      plans.push(
        `## ${scope.name}, ${page} page: ${side}\n\n\`\`\`sql\n${query.sql.trim()}\n-- ${JSON.stringify(query.parameters)}\n\`\`\`\n\n\`\`\`\n${await explain(query)}\n\`\`\`\n`,
      )
    }
    console.log(
      `${scope.name} ${page}: ours ${p50Of('ours').toFixed(3)} ms, best ${best} ${p50Of(best).toFixed(3)} ms, plain ${p50Of('hand: plain').toFixed(3)} ms, load ${loadavg()[0]!.toFixed(2)}`,
    )
  }
}
const endLoad = loadavg()[0]!
console.log(
  `${ITERATIONS} iterations after ${WARMUP} warm-up; load average ${startLoad.toFixed(2)} at start, ${endLoad.toFixed(2)} at end`,
)
console.table(rows)
await mkdir(RESULTS_DIR, { recursive: true })
await writeFile(
  new URL('users-list-pages.json', RESULTS_DIR),
  `${JSON.stringify({ loadAverage: { start: startLoad, end: endLoad }, scopes: scopes.map(({ name, root }) => ({ name, path: root?.path ?? null })), rows }, null, 2)}\n`,
)
await writeFile(
  new URL('users-list-pages-plans.md', RESULTS_DIR),
  `# users.list pages: EXPLAIN (ANALYZE, BUFFERS), trellis_scale\n\n${plans.join('\n')}`,
)
await db.destroy()
