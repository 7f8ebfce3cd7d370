// Issue 14: the records list page of a type with a party counted for read (`payee`, loaded by
// load-parties.ts), first page of 50 and a page after a cursor, at OWNED for subtrees of 1
// to 100k users, at UNION and at ALL. Sides, interleaved in one run: ours (the statement
// `records.list` sends: the owner or a counted party within the level, `recordWithinLevel`),
// hand-written shapes for the same rows, and for reference the statement of issue 13 (the
// owner alone: what the page cost before parties, other rows). Every side but the reference
// must return the same rows. A side slower than SLOW_MS on its first call is reported from
// that one call, and statements are cut at TIMEOUT_MS. Writes results/party-list-pages.json
// and results/party-list-pages-plans.md (EXPLAIN (ANALYZE, BUFFERS) of ours and the best).
// Run: cd bench && pnpm exec tsx tree-scale/party-list-pages.ts
// Settings: SCALE_ITERATIONS (30).
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { type CompiledQuery, sql } from 'kysely'
import { ourRecordsPage, type PageScope } from './our-records-page.js'
import { boundsOf, pageScopes, type Scope } from './page-scopes.js'
import { PARTY_NAME } from './party-name.js'
import { explainAnalyze, idsOf } from './run-query.js'
import { type LatencySummary, sampleLatencies } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 30)
const WARMUP = 5
const PAGE_ROWS = 51
const DEEP_OFFSET = 1000
const SLOW_MS = 50
const TIMEOUT_MS = 60_000
const RESULTS_DIR = new URL('./results/', import.meta.url)

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')
const loaded = await sql`select 1 from bench_meta where key = 'parties'`.execute(db)
if (loaded.rows.length === 0)
  throw new Error('trellis_scale has no parties: run tree-scale/load-parties.ts first')
const { id: entityTypeId } = await db
  .selectFrom('entity_types')
  .select('id')
  .where('name', '=', 'scaleRecords')
  .executeTakeFirstOrThrow()
await sql`set statement_timeout = ${sql.lit(TIMEOUT_MS)}`.execute(db)
const scopes = await pageScopes(db, meta)

type Cursor = readonly [Date, string] | null
// What records.list reads of each row of the page, on every side.
const COLUMNS = sql.raw('r.id, r.owner_id, r.status, r.data, r.created_at, r.updated_at, r.entity_type_id')
const after = (cursor: Cursor) =>
  cursor ? sql`and (r.created_at, r.id) < (${cursor[0]}, ${cursor[1]})` : sql``

/** Records whose owner is in the subtree, newest first; `walk` hides the path from its own index. */
const ownerBranch = (scope: Scope, cursor: Cursor, limit: number, walk: boolean) => {
  const [lower, upper] = boundsOf(scope)
  const path = walk ? sql`(r.owner_path || '')` : sql`r.owner_path`
  return sql`
    select r.id, r.created_at from records r
    where r.entity_type_id = ${entityTypeId} and ${path} >= ${lower} and ${path} < ${upper} ${after(cursor)}
    order by r.created_at desc, r.id desc limit ${limit}`
}

/** Records with a payee in the subtree, from record_parties by the payee's path, newest first. */
const partyBranch = (scope: Scope, cursor: Cursor, limit: number) => {
  const [lower, upper] = boundsOf(scope)
  return sql`
    select r.id, r.created_at from record_parties p join records r on r.id = p.record_id
    where p.party = ${PARTY_NAME} and p.user_path >= ${lower} and p.user_path < ${upper}
      and r.entity_type_id = ${entityTypeId} ${after(cursor)}
    order by r.created_at desc, r.id desc limit ${limit}`
}

/** The newest `limit` ids of the union of both branches (each limited alike), then their rows. */
const unionPage = (scope: Scope, cursor: Cursor, limit: number, walkOwners: boolean) =>
  sql`
    select ${COLUMNS} from records r where r.id in (
      select id from ((${ownerBranch(scope, cursor, limit, walkOwners)}) union (${partyBranch(scope, cursor, limit)})) both_
      order by created_at desc, id desc limit ${limit})
    order by r.created_at desc, r.id desc limit ${limit}`.compile(db)

const handWritten = {
  /** Owner branch where the planner likes (the subtree's range for small ones), party branch by path. */
  'hand: union': (scope: Scope, cursor: Cursor) => unionPage(scope, cursor, PAGE_ROWS, false),
  /** The same with the owner branch walking all records newest first. */
  'hand: union walk': (scope: Scope, cursor: Cursor) => unionPage(scope, cursor, PAGE_ROWS, true),
  /** One walk newest first: the owner's path in the index entry, else a probe of the record's payee. */
  'hand: walk or': (scope: Scope, cursor: Cursor) => {
    const [lower, upper] = boundsOf(scope)
    return sql`
      select ${COLUMNS} from records r where r.id in (
        select r.id from records r
        where r.entity_type_id = ${entityTypeId} ${after(cursor)}
          and ((r.owner_path || '' >= ${lower} and r.owner_path || '' < ${upper})
               or exists (select 1 from record_parties p where p.record_id = r.id and p.party = ${PARTY_NAME}
                          and p.user_path >= ${lower} and p.user_path < ${upper}))
        order by r.created_at desc, r.id desc limit ${PAGE_ROWS})
      order by r.created_at desc, r.id desc`.compile(db)
  },
}
type HandSide = keyof typeof handWritten

interface Row {
  scope: string
  page: string
  side: string
  p50: number
  p99: number | null
  ratio: number
  note?: string
}
const rows: Row[] = []
const plans: string[] = []
const startLoad = loadavg()[0]!
const parties = { users: [PARTY_NAME], members: [] }

for (const scope of scopes) {
  // The visible rows, newest first, up to twice the deep offset: how deep "after" can go.
  const visible = await db.executeQuery<{ id: string; created_at: Date }>(
    unionPage(scope, null, 2 * DEEP_OFFSET, false),
  )
  const deepAt = Math.min(DEEP_OFFSET, Math.floor(visible.rows.length / 2))
  const deepRow = visible.rows[deepAt - 1]
  const deepCursor: Cursor = deepRow ? [deepRow.created_at, deepRow.id] : null
  const pageScope: PageScope = { entityTypeId, subtreePath: scope.root?.path ?? null, parties }
  const ownerOnly: PageScope = { entityTypeId, subtreePath: scope.root?.path ?? null }
  for (const [page, cursor] of [
    ['first', null],
    [`after ${deepAt}`, deepCursor],
  ] as const) {
    const runs: Record<string, () => Promise<string[] | undefined>> = {
      // Built on each call, with the size check (remembered a minute), as records.list does.
      ours: async () => idsOf(db, await ourRecordsPage(db, pageScope, cursor)),
      ...Object.fromEntries(
        (Object.keys(handWritten) as HandSide[]).map((side) => [
          side,
          () => idsOf(db, handWritten[side](scope, cursor)),
        ]),
      ),
      'owner only (issue 13)': async () => idsOf(db, await ourRecordsPage(db, ownerOnly, cursor)),
    }
    const reference = JSON.stringify(await idsOf(db, handWritten['hand: union'](scope, cursor)))
    const once: Record<string, number> = {}
    const timedOut = new Set<string>()
    for (const [side, run] of Object.entries(runs)) {
      const started = performance.now()
      const ids = await run().catch((error: unknown) => {
        if (String(error).includes('statement timeout')) return undefined
        throw error
      })
      once[side] = performance.now() - started
      if (ids === undefined) timedOut.add(side)
      else if (!side.startsWith('owner only') && JSON.stringify(ids) !== reference) {
        throw new Error(`${scope.name} ${page}: ${side} differs from hand: union`)
      }
    }
    const sampled = Object.keys(runs).filter((side) => !timedOut.has(side) && once[side]! < SLOW_MS)
    const latencies: Record<string, LatencySummary> = await sampleLatencies(
      Object.fromEntries(sampled.map((side) => [side, runs[side]!])),
      WARMUP,
      ITERATIONS,
    )
    const p50Of = (side: string) => latencies[side]?.p50 ?? once[side]!
    const best = (Object.keys(handWritten) as HandSide[]).reduce((a, b) => (p50Of(a) <= p50Of(b) ? a : b))
    const load = loadavg()[0]!
    for (const side of Object.keys(runs)) {
      const latency = latencies[side]
      rows.push({
        scope: scope.name,
        page,
        side: side === best ? `${side} (best)` : side,
        p50: Number(p50Of(side).toFixed(3)),
        p99: latency ? Number(latency.p99.toFixed(3)) : null,
        ratio: Number((p50Of(side) / p50Of(best)).toFixed(2)),
        ...(latency ? {} : { note: timedOut.has(side) ? `timed out at ${TIMEOUT_MS} ms` : 'one call' }),
      })
    }
    const ourQuery = await ourRecordsPage(db, pageScope, cursor)
    for (const [side, query] of [
      ['ours', ourQuery],
      [best, handWritten[best](scope, cursor)],
    ] as const) {
      const plan = timedOut.has(side)
        ? '(timed out: not run under EXPLAIN ANALYZE)'
        : await explainAnalyze(db, query as CompiledQuery)
      plans.push(
        `## ${scope.name}, ${page} page: ${side} (load ${load.toFixed(2)})\n\n\`\`\`sql\n${query.sql.trim()}\n-- ${JSON.stringify(query.parameters)}\n\`\`\`\n\n\`\`\`\n${plan}\n\`\`\`\n`,
      )
    }
    console.log(
      `${scope.name} ${page}: ours ${p50Of('ours').toFixed(3)} ms, best ${best} ${p50Of(best).toFixed(3)} ms, ` +
        `owner only ${p50Of('owner only (issue 13)').toFixed(3)} ms, load ${load.toFixed(2)}`,
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
  new URL('party-list-pages.json', RESULTS_DIR),
  `${JSON.stringify({ loadAverage: { start: startLoad, end: endLoad }, scopes: scopes.map(({ name, root }) => ({ name, path: root?.path ?? null })), rows }, null, 2)}\n`,
)
await writeFile(
  new URL('party-list-pages-plans.md', RESULTS_DIR),
  `# party list pages: EXPLAIN (ANALYZE, BUFFERS), trellis_scale\n\n${plans.join('\n')}`,
)
await db.destroy()
