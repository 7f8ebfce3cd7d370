// Issue 13, target 1 ("search widely for the shape"): the candidates the issue names for
// list pages, each built on the loaded dataset in schema `list_candidates` and measured
// against today's shape (records carrying owner_path, the shape picked by a capped count):
//   - ancestor array: records' owner ancestry as int[] of nodes, GIN, `@>`;
//   - stored subtree size: users' subtree sizes kept in a table, replacing the capped count;
//   - extended statistics: `create statistics` on records (owner_path, entity_type_id), and a
//     10,000 statistics target on owner_path: does the planner then choose well alone?
//   - range type: a nested-set interval per user (int4range, GiST), records keyed by their
//     owner's preorder position.
// For each: first page of 50 at OWNED 1k, 10k and 100k, build time, size, and the cost of
// moving the 10k-user subtree (its statements in transactions rolled back). Tables are
// built once and reused by reruns; SCALE_DROP=1 drops the schema at the end.
// Run: cd bench && pnpm exec tsx tree-scale/compare-list-candidates.ts
// Settings: SCALE_ITERATIONS (30), SCALE_DROP.
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { subtreeRange, type TrellisDatabase } from '@trellis/db'
import { type CompiledQuery, type RawBuilder, sql } from 'kysely'
import { ourRecordsPage } from './our-records-page.js'
import { pageScopes } from './page-scopes.js'
import { sampleLatencies } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 30)
const WARMUP = 5
const SLOW_MS = 50
const PAGE_ROWS = 51
const RESULTS_DIR = new URL('./results/', import.meta.url)

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')
const startLoad = loadavg()[0]!
const { id: entityTypeId } = await db
  .selectFrom('entity_types')
  .select('id')
  .where('name', '=', 'scaleRecords')
  .executeTakeFirstOrThrow()
await sql`set maintenance_work_mem = '1GB'`.execute(db)
await sql`set work_mem = '256MB'`.execute(db)
await sql`create schema if not exists list_candidates`.execute(db)
await sql`create table if not exists list_candidates.built (name text primary key, seconds numeric not null)`.execute(
  db,
)

/** Runs `ddl` unless `name` was built by an earlier run; returns the seconds it took (then or now). */
async function build(name: string, ddl: RawBuilder<unknown>[]): Promise<number> {
  const known = await sql<{
    seconds: string
  }>`select seconds from list_candidates.built where name = ${name}`.execute(db)
  if (known.rows[0]) return Number(known.rows[0].seconds)
  const started = performance.now()
  for (const statement of ddl) await statement.execute(db)
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1))
  await sql`insert into list_candidates.built values (${name}, ${seconds})`.execute(db)
  console.log(`built ${name} in ${seconds} s, load ${loadavg()[0]!.toFixed(2)}`)
  return seconds
}

const megabytes = async (...relations: string[]) =>
  (
    await sql<{ mb: number }>`
      select round(sum(pg_total_relation_size(r::regclass)) / 1048576.0)::int as mb from unnest(${relations}::text[]) r`.execute(
      db,
    )
  ).rows[0]!.mb

// Preorder of a C-collated path is the tree's depth-first order: a subtree is the interval
// [its position, its position + its size).
const buildSeconds = {
  ancestors: await build('ancestor array', [
    sql`create table list_candidates.records_anc as
        select id, created_at, string_to_array(substr(owner_path, 2, length(owner_path) - 2), '/')::int[] as ancestors
        from records`,
    sql`create index records_anc_ancestors on list_candidates.records_anc using gin (ancestors)`,
    sql`create index records_anc_created on list_candidates.records_anc (created_at desc, id desc) include (ancestors)`,
    sql`alter table list_candidates.records_anc add primary key (id)`,
    sql`vacuum analyze list_candidates.records_anc`,
  ]),
  sizes: await build('subtree size', [
    // Every user counted once under each of its ancestors and itself.
    sql`create table list_candidates.user_sizes as
        select ('/' || array_to_string(n.nodes[1:k], '/') || '/') collate "C" as path, count(*)::int as size
        from users u, lateral (select string_to_array(substr(u.path, 2, length(u.path) - 2), '/') as nodes) n,
             lateral generate_series(1, cardinality(n.nodes)) k
        group by 1`,
    sql`alter table list_candidates.user_sizes add primary key (path)`,
    sql`vacuum analyze list_candidates.user_sizes`,
  ]),
  spans: await build('nested-set range', [
    sql`create table list_candidates.user_spans as
        select u.id, u.path, int4range(p.pos, p.pos + s.size) as span
        from users u join list_candidates.user_sizes s on s.path = u.path
        join (select id, (row_number() over (order by path))::int as pos from users) p on p.id = u.id`,
    sql`alter table list_candidates.user_spans add primary key (id)`,
    sql`create index user_spans_span on list_candidates.user_spans using gist (span)`,
    sql`create table list_candidates.records_pos as
        select r.id, r.created_at, lower(s.span) as owner_pos
        from records r join list_candidates.user_spans s on s.id = r.owner_id`,
    sql`create index records_pos_pos on list_candidates.records_pos (owner_pos, created_at desc, id desc)`,
    sql`create index records_pos_created on list_candidates.records_pos (created_at desc, id desc) include (owner_pos)`,
    sql`alter table list_candidates.records_pos add primary key (id)`,
    sql`vacuum analyze list_candidates.user_spans, list_candidates.records_pos`,
  ]),
}
// Today's shape as loaded: records.owner_path and its two indexes (build time from the loader's log).
const sizes = {
  today: await megabytes('records_owner_path', 'records_created_owner_path'),
  ancestors: await megabytes('list_candidates.records_anc'),
  sizes: await megabytes('list_candidates.user_sizes'),
  spans: await megabytes('list_candidates.user_spans', 'list_candidates.records_pos'),
}

const scopes = (await pageScopes(db, meta)).filter((scope) =>
  ['OWNED 1k', 'OWNED 10k', 'OWNED 100k'].includes(scope.name),
)
const nodeOf = (path: string) => Number(path.split('/').at(-2))
/** The user's interval, by the primary key (as a caller's own span would be read). */
const spanOf = async (path: string) =>
  (
    await sql<{ lo: number; hi: number }>`
      select lower(s.span) as lo, upper(s.span) as hi from list_candidates.user_spans s
      where s.id = (select u.id from users u where u.path = ${path})`.execute(db)
  ).rows[0]!
const byIds = (ids: RawBuilder<unknown>) =>
  sql`select r.id, r.owner_id, r.status, r.data, r.created_at, r.updated_at, r.entity_type_id from records r
      where r.id in (${ids}) order by r.created_at desc, r.id desc`.compile(db)

const idsOf = async (query: CompiledQuery) =>
  (await db.executeQuery<{ id: string }>(query)).rows.map((row) => row.id)
const explainTime = async (query: CompiledQuery) => {
  const plan = await db.executeQuery<{ 'QUERY PLAN': string }>({
    ...query,
    sql: `explain (analyze) ${query.sql}`,
  })
  const lines = plan.rows.map((row) => row['QUERY PLAN'])
  return { plan: lines.join('\n'), ms: Number(/Execution Time: ([\d.]+)/.exec(lines.at(-1)!)?.[1]) }
}

/** The plain statement, the planner's choice: what the statistics candidates are about. */
const plainPage = (path: string) => {
  const [lower, upper] = subtreeRange(path)
  return byIds(sql`select r.id from records r where r.entity_type_id = ${entityTypeId}
    and r.owner_path >= ${lower} and r.owner_path < ${upper} order by r.created_at desc, r.id desc limit ${PAGE_ROWS}`)
}

interface PageRow {
  scope: string
  side: string
  p50: number
  p99: number
  note?: string
}
const pages: PageRow[] = []
const plans: string[] = []

async function measurePages(label: string, sides: Record<string, (path: string) => Promise<CompiledQuery>>) {
  for (const scope of scopes) {
    const path = scope.root!.path
    const reference = JSON.stringify(
      await idsOf(await ourRecordsPage(db, { entityTypeId, subtreePath: path }, null)),
    )
    const runs: Record<string, () => Promise<unknown>> = {}
    const once: Record<string, number> = {}
    for (const [side, make] of Object.entries(sides)) {
      const query = await make(path)
      const started = performance.now()
      const ids = await idsOf(query)
      once[side] = performance.now() - started
      if (JSON.stringify(ids) !== reference)
        throw new Error(`${label} ${scope.name}: ${side} differs from ours`)
      if (once[side]! < SLOW_MS) runs[side] = async () => idsOf(await make(path))
      const explained = await explainTime(query)
      plans.push(`## ${label}, ${scope.name}: ${side}\n\n\`\`\`\n${explained.plan}\n\`\`\`\n`)
    }
    const latencies = await sampleLatencies(runs, WARMUP, ITERATIONS)
    for (const side of Object.keys(sides)) {
      const latency = latencies[side]
      pages.push({
        scope: scope.name,
        side,
        p50: Number((latency?.p50 ?? once[side]!).toFixed(2)),
        p99: Number((latency?.p99 ?? Number.NaN).toFixed(2)),
        ...(latency ? {} : { note: 'one call' }),
      })
    }
    console.log(
      `${label} ${scope.name}: ${Object.keys(sides)
        .map((side) => `${side} ${(latencies[side]?.p50 ?? once[side]!).toFixed(2)} ms`)
        .join(', ')}, load ${loadavg()[0]!.toFixed(2)}`,
    )
  }
}

// Pages: today's (ours, as records.list sends it), the ancestor array and the nested-set
// position in the planner's choice, and the plain statement under default statistics.
await measurePages('pages', {
  'today (ours)': (path) => ourRecordsPage(db, { entityTypeId, subtreePath: path }, null),
  'today, plain statement': async (path) => plainPage(path),
  'ancestor array @>': async (path) =>
    byIds(sql`select a.id from list_candidates.records_anc a where a.ancestors @> array[${nodeOf(path)}::int]
      order by a.created_at desc, a.id desc limit ${PAGE_ROWS}`),
  'nested-set position': async (path) => {
    const span = await spanOf(path)
    return byIds(sql`select p.id from list_candidates.records_pos p where p.owner_pos >= ${span.lo} and p.owner_pos < ${span.hi}
      order by p.created_at desc, p.id desc limit ${PAGE_ROWS}`)
  },
})

// The shape check: today's capped count (not remembered) against a stored size's lookup.
const checks = await sampleLatencies(
  Object.fromEntries(
    scopes.flatMap((scope) => {
      const [lower, upper] = subtreeRange(scope.root!.path)
      return [
        [
          `capped count ${scope.name}`,
          () =>
            sql`select path from users where path >= ${lower} and path < ${upper} offset 1999 limit 1`.execute(
              db,
            ),
        ],
        [
          `stored size ${scope.name}`,
          () =>
            sql`select size >= 2000 as large from list_candidates.user_sizes where path = ${scope.root!.path}`.execute(
              db,
            ),
        ],
      ]
    }),
  ),
  WARMUP,
  ITERATIONS * 2,
)
console.log(
  Object.entries(checks)
    .map(([name, latency]) => `${name} ${latency.p50.toFixed(3)} ms`)
    .join(', '),
)

// Statistics: does the planner choose well by itself with them? Estimates against actuals
// for the plain statement, then everything put back.
const statistics: { setting: string; scope: string; estimated: number; actual: number; ms: number }[] = []
async function plainEstimates(setting: string) {
  for (const scope of scopes) {
    const query = plainPage(scope.root!.path)
    const explained = await explainTime(query)
    // The estimate the planner made for the path range (the scan that reads it, if any).
    const estimate = await db.executeQuery<{ 'QUERY PLAN': string }>({
      ...query,
      sql: `explain select 1 from records r where r.entity_type_id = $1 and r.owner_path >= $2 and r.owner_path < $3`,
      parameters: [entityTypeId, ...subtreeRange(scope.root!.path)],
    })
    const actual = await sql<{ n: number }>`
      select count(*)::int as n from records where owner_path >= ${subtreeRange(scope.root!.path)[0]} and owner_path < ${subtreeRange(scope.root!.path)[1]}`.execute(
      db,
    )
    statistics.push({
      setting,
      scope: scope.name,
      estimated: Number(/rows=(\d+)/.exec(estimate.rows[0]!['QUERY PLAN'])?.[1]),
      actual: actual.rows[0]!.n,
      ms: explained.ms,
    })
    plans.push(
      `## statistics: ${setting}, ${scope.name}: plain statement\n\n\`\`\`\n${explained.plan}\n\`\`\`\n`,
    )
  }
  console.log(
    `statistics ${setting}: ${statistics
      .filter((row) => row.setting === setting)
      .map((row) => `${row.scope} est ${row.estimated} / ${row.actual}, ${row.ms.toFixed(1)} ms`)
      .join('; ')}`,
  )
}
await plainEstimates('default (100)')
const extendedSeconds = performance.now()
await sql`create statistics if not exists list_candidates.records_path_type (dependencies, mcv) on owner_path, entity_type_id from records`.execute(
  db,
)
await sql`analyze records`.execute(db)
const extendedBuild = Number(((performance.now() - extendedSeconds) / 1000).toFixed(1))
await plainEstimates('create statistics (dependencies, mcv) on owner_path, entity_type_id')
await sql`drop statistics list_candidates.records_path_type`.execute(db)
const targetSeconds = performance.now()
await sql`alter table records alter column owner_path set statistics 10000`.execute(db)
await sql`analyze records (owner_path)`.execute(db)
const targetBuild = Number(((performance.now() - targetSeconds) / 1000).toFixed(1))
await plainEstimates('owner_path statistics target 10,000')
await sql`alter table records alter column owner_path set statistics -1`.execute(db)
await sql`analyze records`.execute(db)

// The 10k-user move, statement by statement, each rolled back.
class RollBack extends Error {}
async function rolledBack(statements: RawBuilder<unknown>[]): Promise<number> {
  const started = performance.now()
  await db
    .transaction()
    .execute(async (trx) => {
      for (const statement of statements) await statement.execute(trx)
      throw new RollBack()
    })
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error
    })
  return Number((performance.now() - started).toFixed(0))
}
const movedPath = (
  await db.selectFrom('users').select('path').where('id', '=', meta.moveUserId).executeTakeFirstOrThrow()
).path
const fromPath = (
  await db
    .selectFrom('users')
    .select('path')
    .where('id', '=', meta.moveFromParentId)
    .executeTakeFirstOrThrow()
).path
const toPath = (
  await db.selectFrom('users').select('path').where('id', '=', meta.moveToParentId).executeTakeFirstOrThrow()
).path
const [movedLower, movedUpper] = subtreeRange(movedPath)
const movedSize = (
  await sql<{ size: number }>`select size from list_candidates.user_sizes where path = ${movedPath}`.execute(
    db,
  )
).rows[0]!.size
const ancestorsOf = (path: string) =>
  path
    .split('/')
    .slice(1, -1)
    .map((_, k, nodes) => `/${nodes.slice(0, k + 1).join('/')}/`)
const oldPrefix = fromPath.split('/').slice(1, -1).map(Number)
const newPrefix = toPath.split('/').slice(1, -1).map(Number)
await sql`checkpoint`.execute(db)
const moveMs = {
  today: await rolledBack([
    sql`update records set owner_path = ${toPath} || substr(owner_path, ${fromPath.length + 1})
        where owner_path >= ${movedLower} and owner_path < ${movedUpper}`,
  ]),
  ancestors: await rolledBack([
    sql`update list_candidates.records_anc set ancestors = ${newPrefix}::int[] || ancestors[${oldPrefix.length + 1}:]
        where ancestors @> array[${nodeOf(movedPath)}::int]`,
  ]),
  sizes: await rolledBack([
    sql`update list_candidates.user_sizes set size = size - ${movedSize} where path = any(${ancestorsOf(fromPath)}::text[])`,
    sql`update list_candidates.user_sizes set size = size + ${movedSize} where path = any(${ancestorsOf(toPath)}::text[])`,
  ]),
}
// A nested-set move renumbers every user between the subtree's old and new place, and every
// record they own: counted here, not rewritten (hundreds of thousands of rows).
const movedSpan = await spanOf(movedPath)
const toSpan = await spanOf(toPath)
const [shiftLo, shiftHi] = toSpan.hi <= movedSpan.lo ? [toSpan.hi, movedSpan.hi] : [movedSpan.lo, toSpan.hi]
const shifted = (
  await sql<{ users: number; records: number }>`
    select (select count(*)::int from list_candidates.user_spans where lower(span) >= ${shiftLo} and lower(span) < ${shiftHi}) as users,
           (select count(*)::int from list_candidates.records_pos where owner_pos >= ${shiftLo} and owner_pos < ${shiftHi}) as records`.execute(
    db,
  )
).rows[0]!
const spansUsersMs = await rolledBack([
  sql`update list_candidates.user_spans set span = int4range(lower(span) + 1, upper(span) + 1)
      where lower(span) >= ${shiftLo} and lower(span) < ${shiftHi}`,
])

const endLoad = loadavg()[0]!
const result = {
  loadAverage: { start: startLoad, end: endLoad },
  buildSeconds: { ...buildSeconds, extendedStatistics: extendedBuild, statisticsTarget10000: targetBuild },
  sizesMb: sizes,
  pages,
  checks: Object.fromEntries(Object.entries(checks).map(([name, latency]) => [name, latency.p50])),
  statistics,
  moveMs,
  nestedSetMove: {
    shiftedUsers: shifted.users,
    shiftedRecords: shifted.records,
    userSpansRewriteMs: spansUsersMs,
  },
}
console.log(JSON.stringify({ ...result, pages: undefined }, null, 2))
console.table(pages)
console.log(`load average ${startLoad.toFixed(2)} at start, ${endLoad.toFixed(2)} at end`)
await mkdir(RESULTS_DIR, { recursive: true })
await writeFile(new URL('list-candidates.json', RESULTS_DIR), `${JSON.stringify(result, null, 2)}\n`)
await writeFile(
  new URL('list-candidates-plans.md', RESULTS_DIR),
  `# list candidates: EXPLAIN ANALYZE, trellis_scale\n\n${plans.join('\n')}`,
)
if (process.env.SCALE_DROP) await sql`drop schema list_candidates cascade`.execute(db)
await (db as TrellisDatabase).destroy()
