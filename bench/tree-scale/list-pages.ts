// Issue 13, target 1: a records list page (first page of 50, and a deep page by cursor) at
// OWNED for subtrees of 1 to 100k users, at UNION and at ALL, on the 1M-user / 10M-record
// dataset. Sides, in one interleaved run: ours (the query `records.list` sends), the best
// hand-written query for the size (fastest of three shapes), PostgreSQL row-level security
// over the same predicate, a recursive CTE over users.parent_id, and a JS authorisation
// library (CASL) filtering candidates fetched newest first. Every side must return the same
// rows. Prints one table per run (p50, p99, ratio to the best hand-written, load average)
// and saves EXPLAIN (ANALYZE, BUFFERS) of ours and the best hand-written to results/.
// Run: cd bench && pnpm exec tsx tree-scale/list-pages.ts
// Settings: SCALE_ITERATIONS (100), SCALE_LIBRARY_ROWS (cap on rows the library side may scan, 200,000).
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { createMongoAbility } from '@casl/ability'
import { createDatabase, moveSubtree, subtreeRange, type TrellisDatabase } from '@trellis/db'
import { type CompiledQuery, sql } from 'kysely'
import { ourRecordsPage, type PageScope } from './our-records-page.js'
import { boundsOf, pageScopes, type Scope } from './page-scopes.js'
import { type LatencySummary, sampleLatencies } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta, SCALE_DATABASE_URL } from './scale-database.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 100)
const WARMUP = 10
const LIBRARY_ROW_CAP = Number(process.env.SCALE_LIBRARY_ROWS ?? 200_000)
const PAGE_ROWS = 51 // a page of 50 and the row that tells a next page exists, as records.list asks
const DEEP_OFFSET = 1000
const SLOW_MS = 50
// An even number: the moved subtree ends where it started.
const MOVES = 2
const RLS_ROLE = 'trellis_bench_rls'
const RESULTS_DIR = new URL('./results/', import.meta.url)

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')
const { id: entityTypeId } = await db
  .selectFrom('entity_types')
  .select('id')
  .where('name', '=', 'scaleRecords')
  .executeTakeFirstOrThrow()

// Row-level security needs a role that is not the table's owner (nor a superuser): its own
// connection, whose policy reads the subtree's bounds from two settings set per size.
await sql`
  do $$ begin
    if not exists (select from pg_roles where rolname = ${sql.lit(RLS_ROLE)}) then
      create role ${sql.raw(RLS_ROLE)} login;
    end if;
  end $$
`.execute(db)
await sql`grant select on records, users to ${sql.raw(RLS_ROLE)}`.execute(db)
await sql`drop policy if exists bench_subtree on records`.execute(db)
await sql`
  create policy bench_subtree on records for select to ${sql.raw(RLS_ROLE)}
  using (owner_path >= current_setting('bench.lower') and owner_path < current_setting('bench.upper'))
`.execute(db)
await sql`alter table records enable row level security`.execute(db)
const rlsUrl = new URL(SCALE_DATABASE_URL)
rlsUrl.username = RLS_ROLE
const rlsDb: TrellisDatabase = await createDatabase({ databaseUrl: rlsUrl.toString(), maxConnections: 1 })

const actor = await db
  .selectFrom('users')
  .select(['id', 'path'])
  .where('id', '=', meta.actorId)
  .executeTakeFirstOrThrow()
const scopes = await pageScopes(db, meta)

type Cursor = readonly [Date, string] | null

// What records.list reads of each row of the page, on every side.
const COLUMNS = sql.raw('r.id, r.owner_id, r.status, r.data, r.created_at, r.updated_at, r.entity_type_id')

const after = (cursor: Cursor) =>
  cursor ? sql`and (r.created_at, r.id) < (${cursor[0]}, ${cursor[1]})` : sql``

// Hand-written shapes. Each picks its 51 ids from an index alone, then reads those rows.
const handWritten = {
  /** Let the planner choose: one statement, ids from whichever index it prefers. */
  plain: (scope: Scope, cursor: Cursor) => {
    const [lower, upper] = boundsOf(scope)
    return sql`
      select ${COLUMNS} from records r where r.id in (
        select r.id from records r
        where r.entity_type_id = ${entityTypeId} and r.owner_path >= ${lower} and r.owner_path < ${upper} ${after(cursor)}
        order by r.created_at desc, r.id desc limit ${PAGE_ROWS})
      order by r.created_at desc, r.id desc`.compile(db)
  },
  /** Read the whole subtree from (owner_path, created_at, id), keep the newest 51. */
  range: (scope: Scope, cursor: Cursor) => {
    const [lower, upper] = boundsOf(scope)
    return sql`
      with subtree as materialized (
        select r.id, r.created_at from records r
        where r.entity_type_id = ${entityTypeId} and r.owner_path >= ${lower} and r.owner_path < ${upper} ${after(cursor)}
      ), top as (select id from subtree order by created_at desc, id desc limit ${PAGE_ROWS})
      select ${COLUMNS} from records r where r.id in (select id from top)
      order by r.created_at desc, r.id desc`.compile(db)
  },
  /** Walk (created_at, id) newest first, testing the path kept in the index entry. */
  walk: (scope: Scope, cursor: Cursor) => {
    const [lower, upper] = boundsOf(scope)
    // `|| ''` hides the column from the (owner_path, …) index, so only the walk is left.
    return sql`
      select ${COLUMNS} from records r where r.id in (
        select r.id from records r
        where r.entity_type_id = ${entityTypeId} and r.owner_path || '' >= ${lower} and r.owner_path || '' < ${upper} ${after(cursor)}
        order by r.created_at desc, r.id desc limit ${PAGE_ROWS})
      order by r.created_at desc, r.id desc`.compile(db)
  },
}

/** The subtree's users by parent_id from its root, then their records: no path at all. */
const cteQuery = (scope: Scope, cursor: Cursor) => {
  if (!scope.root) return handWritten.plain(scope, cursor)
  return sql`
    with recursive subtree(id) as (
      select ${scope.root.id}::uuid
      union all
      select u.id from users u join subtree s on u.parent_id = s.id
    )
    select ${COLUMNS} from records r
    where r.entity_type_id = ${entityTypeId} and r.owner_id in (select id from subtree) ${after(cursor)}
    order by r.created_at desc, r.id desc limit ${PAGE_ROWS}`.compile(db)
}

/** The policy does the filtering; the query names no subtree. */
const rlsQuery = (cursor: Cursor) =>
  sql`
    select ${COLUMNS} from records r
    where r.entity_type_id = ${entityTypeId} ${after(cursor)}
    order by r.created_at desc, r.id desc limit ${PAGE_ROWS}`.compile(rlsDb)

const LIBRARY_BATCH = 1000

/**
 * CASL deciding per row: fetch candidates newest first in batches (id, owner_path, type from
 * the index alone), keep those the ability allows, then read the page's rows. Gives up after
 * LIBRARY_ROW_CAP candidates (returns undefined: "did not finish").
 */
async function libraryPage(scope: Scope, cursor: Cursor): Promise<string[] | undefined> {
  const [lower, upper] = boundsOf(scope)
  const ability = createMongoAbility([
    {
      action: 'read',
      subject: 'Record',
      conditions: { owner_path: { $gte: lower, $lt: upper }, entity_type_id: entityTypeId },
    },
  ])
  const kept: string[] = []
  let position = cursor
  for (let scanned = 0; scanned < LIBRARY_ROW_CAP; scanned += LIBRARY_BATCH) {
    const batch = await sql<{ id: string; owner_path: string; entity_type_id: string; created_at: Date }>`
      select r.id, r.owner_path, r.entity_type_id, r.created_at from records r
      where true ${position ? sql`and (r.created_at, r.id) < (${position[0]}, ${position[1]})` : sql``}
      order by r.created_at desc, r.id desc limit ${LIBRARY_BATCH}`.execute(db)
    for (const row of batch.rows) {
      if (ability.can('read', { __caslSubjectType__: 'Record', ...row } as never)) kept.push(row.id)
      if (kept.length === PAGE_ROWS) break
    }
    const last = batch.rows.at(-1)
    if (kept.length === PAGE_ROWS || !last) {
      const rows = await sql<{ id: string }>`
        select ${COLUMNS} from records r where r.id = any(${kept}::uuid[])
        order by r.created_at desc, r.id desc`.execute(db)
      return rows.rows.map((row) => row.id)
    }
    position = [last.created_at, last.id]
  }
  return undefined
}

const idsOf = async (query: CompiledQuery, on: TrellisDatabase = db) =>
  (await on.executeQuery<{ id: string }>(query)).rows.map((row) => row.id)

async function explain(query: CompiledQuery): Promise<string> {
  const plan = await db.executeQuery<{ 'QUERY PLAN': string }>({
    ...query,
    sql: `explain (analyze, buffers) ${query.sql}`,
  })
  return plan.rows.map((row) => row['QUERY PLAN']).join('\n')
}

interface Row {
  scope: string
  page: string
  side: string
  p50: number
  p99: number
  ratio: number
  note?: string
}
const rows: Row[] = []
const plans: string[] = []
const startLoad = loadavg()[0]!

for (const scope of scopes) {
  const [lower, upper] = boundsOf(scope)
  // As the role's defaults too: the pool may open a new connection, which starts from them.
  await sql`alter role ${sql.raw(RLS_ROLE)} set bench.lower = ${sql.lit(lower)}`.execute(db)
  await sql`alter role ${sql.raw(RLS_ROLE)} set bench.upper = ${sql.lit(upper)}`.execute(db)
  await sql`select set_config('bench.lower', ${lower}, false), set_config('bench.upper', ${upper}, false)`.execute(
    rlsDb,
  )
  const visible = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 from records where owner_path >= ${lower} and owner_path < ${upper} limit ${2 * DEEP_OFFSET}) capped
  `.execute(db)
  const deepAt = Math.min(DEEP_OFFSET, Math.floor(visible.rows[0]!.n / 2))
  const deep = await sql<{ created_at: Date; id: string }>`
    select created_at, id from records where owner_path >= ${lower} and owner_path < ${upper}
    order by created_at desc, id desc offset ${deepAt} limit 1
  `.execute(db)
  const deepCursor: Cursor = deep.rows[0] ? [deep.rows[0].created_at, deep.rows[0].id] : null
  const pageScope: PageScope = { entityTypeId, subtreePath: scope.root?.path ?? null }
  for (const [page, cursor] of [
    ['first', null],
    [`after ${deepAt}`, deepCursor],
  ] as const) {
    // The size check records.list makes before its page: timed with ours below.
    const ourPageQuery = await ourRecordsPage(db, pageScope, cursor)
    const sides = {
      ours: () => ourPageQuery,
      'hand: plain': () => handWritten.plain(scope, cursor),
      'hand: range': () => handWritten.range(scope, cursor),
      'hand: walk': () => handWritten.walk(scope, cursor),
      cte: () => cteQuery(scope, cursor),
    }
    const reference = JSON.stringify(await idsOf(handWritten.plain(scope, cursor)))
    const runs: Record<string, () => Promise<string[] | undefined>> = {
      ...Object.fromEntries(Object.entries(sides).map(([side, make]) => [side, () => idsOf(make())])),
      ours: async () => idsOf(await ourRecordsPage(db, pageScope, cursor)),
      rls: () => idsOf(rlsQuery(cursor), rlsDb),
      library: () => libraryPage(scope, cursor),
    }
    // Every side once, checked against the others and timed: a side slower than SLOW_MS (some
    // shapes take seconds at some sizes) is reported from that one call, not sampled.
    const once: Record<string, number> = {}
    const gaveUp = new Set<string>()
    for (const [side, run] of Object.entries(runs)) {
      const started = performance.now()
      const ids = await run()
      once[side] = performance.now() - started
      if (ids === undefined) gaveUp.add(side)
      else if (JSON.stringify(ids) !== reference) throw new Error(`${scope.name} ${page}: ${side} differs`)
    }
    const sampled = Object.keys(runs).filter((side) => !gaveUp.has(side) && once[side]! < SLOW_MS)
    const latencies: Record<string, LatencySummary> = await sampleLatencies(
      Object.fromEntries(sampled.map((side) => [side, runs[side]!])),
      WARMUP,
      ITERATIONS,
    )
    const p50Of = (side: string) => latencies[side]?.p50 ?? once[side]!
    const best = (['hand: plain', 'hand: range', 'hand: walk'] as const).reduce((a, b) =>
      p50Of(a) <= p50Of(b) ? a : b,
    )
    for (const side of Object.keys(runs)) {
      const latency = latencies[side]
      rows.push({
        scope: scope.name,
        page,
        side: side === best ? `${side} (best)` : side,
        p50: Number(p50Of(side).toFixed(3)),
        p99: latency ? Number(latency.p99.toFixed(3)) : Number.NaN,
        ratio: Number((p50Of(side) / p50Of(best)).toFixed(2)),
        ...(latency
          ? {}
          : { note: gaveUp.has(side) ? `gave up after ${LIBRARY_ROW_CAP} candidates` : 'one call' }),
      })
    }
    for (const [side, query] of [
      ['ours', ourPageQuery],
      [best, sides[best]()],
    ] as const) {
      plans.push(
        `## ${scope.name}, ${page} page: ${side}\n\n\`\`\`sql\n${query.sql.trim()}\n-- ${JSON.stringify(query.parameters)}\n\`\`\`\n\n\`\`\`\n${await explain(query)}\n\`\`\`\n`,
      )
    }
    console.log(
      `${scope.name} ${page}: ours ${latencies.ours!.p50.toFixed(3)} ms, best ${best} ${latencies[best]!.p50.toFixed(3)} ms, load ${loadavg()[0]!.toFixed(2)}`,
    )
  }
}

// Target 5: a capped count of the visible records of the 100k subtree, and a 10k-user move,
// which now also rewrites the owner path of every record in the subtree.
const COUNT_CAP = 10_000
const [countLower, countUpper] = subtreeRange(actor.path)
const counts = await sampleLatencies(
  {
    [`count, exact up to ${COUNT_CAP}`]: () =>
      sql`select count(*) from (select 1 from records where owner_path >= ${countLower} and owner_path < ${countUpper} limit ${COUNT_CAP}) capped`.execute(
        db,
      ),
  },
  3,
  20,
)
const moves: number[] = []
let movedUnder = meta.moveFromParentId
for (let i = 0; i < MOVES; i++) {
  const target = movedUnder === meta.moveFromParentId ? meta.moveToParentId : meta.moveFromParentId
  const started = performance.now()
  await db.transaction().execute((trx) => moveSubtree(trx, meta.moveUserId, target))
  moves.push(performance.now() - started)
  movedUnder = target
}
await sql`vacuum users, records`.execute(db)
const sortedMoves = [...moves].sort((a, b) => a - b)
console.log(
  `count (100k subtree, cap ${COUNT_CAP}): p50 ${counts[`count, exact up to ${COUNT_CAP}`]!.p50.toFixed(2)} ms; ` +
    `move of the 10k subtree with its records, ${MOVES} moves: ${moves.map((ms) => ms.toFixed(0)).join(', ')} ms ` +
    `(median ${sortedMoves[MOVES / 2 - 1]!.toFixed(0)}–${sortedMoves[MOVES / 2]!.toFixed(0)}), load ${loadavg()[0]!.toFixed(2)}`,
)

await sql`alter table records disable row level security`.execute(db)
await sql`drop policy bench_subtree on records`.execute(db)
const endLoad = loadavg()[0]!
console.log(
  `${ITERATIONS} iterations after ${WARMUP} warm-up; load average ${startLoad.toFixed(2)} at start, ${endLoad.toFixed(2)} at end`,
)
console.table(rows)
await mkdir(RESULTS_DIR, { recursive: true })
await writeFile(
  new URL('list-pages.json', RESULTS_DIR),
  `${JSON.stringify({ loadAverage: { start: startLoad, end: endLoad }, scopes: scopes.map(({ name, root }) => ({ name, path: root?.path ?? null })), rows, counts, movesMs: moves }, null, 2)}\n`,
)
await writeFile(
  new URL('list-pages-plans.md', RESULTS_DIR),
  `# list pages: EXPLAIN (ANALYZE, BUFFERS), trellis_scale\n\n${plans.join('\n')}`,
)
await rlsDb.destroy()
await db.destroy()
