// Measures, on the loaded scale dataset, what the level filter costs against hand-written SQL:
// first pages at OWNED/UNION/SELF, a point check, a 10k-user subtree move, and first pages
// for smaller subtrees (the sweep). Prints p50/p99 and ratios, and saves EXPLAIN (ANALYZE,
// BUFFERS) of every query to results/. Every side of a case must return the same rows.
// Run: cd bench && pnpm exec tsx tree-scale/measure-queries.ts
// Settings: SCALE_ITERATIONS (200), SCALE_SWEEP_ITERATIONS (20).
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import {
  type Actor,
  type Database,
  moveSubtree,
  ownerWithinLevel,
  parentPathOf,
  type TrellisDatabase,
} from '@trellis/db'
import {
  CompiledQuery,
  type KyselyPlugin,
  type QueryId,
  type RootOperationNode,
  sql,
  type Transaction,
} from 'kysely'
import { type LatencySummary, sampleLatencies, type Timed } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 200)
const WARMUP = 20
// The size sweep has shapes that take up to ~4 s a call: fewer iterations there.
const SWEEP_ITERATIONS = Number(process.env.SCALE_SWEEP_ITERATIONS ?? 20)
// Moves alternate between two parents; an even total leaves the subtree where it started.
const MOVE_ITERATIONS = 10
const MOVE_WARMUP = 2
const PAGE_SIZE = 50
const RESULTS_DIR = new URL('./results/', import.meta.url)

type Level = Parameters<typeof ownerWithinLevel>[2]

/** One measured query: ours (kysely + ownerWithinLevel), the hand-written baseline, maybe candidates. */
interface QueryCase {
  readonly name: string
  readonly targetMs: number
  readonly iterations?: number
  readonly sides: Readonly<Record<string, () => CompiledQuery>>
}

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')

const loadActor = (id: string): Promise<Actor> =>
  db.selectFrom('users').select(['id', 'path']).where('id', '=', id).executeTakeFirstOrThrow()
const actor = await loadActor(meta.actorId)
const parentPath = parentPathOf(actor.path) ?? actor.path

/** A subtree's exact half-open range: '/2/41/' up to '/2/410' (C collation: '/' + 1 = '0'). */
const exactRange = (path: string): [string, string] => [path, `${path.slice(0, -1)}0`]

/** The user at `depth` whose subtree size is closest to `target` (ties: lowest path). */
async function closestSubtree(depth: number, target: number): Promise<Actor & { size: number }> {
  const found = await sql<{ id: string; path: string; size: number }>`
    select * from (
      select u.id, u.path,
             (select count(*) from users s where s.path >= u.path and s.path < left(u.path, -1) || '0')::int as size
      from users u where length(u.path) - length(replace(u.path, '/', '')) = ${depth + 1}::int
    ) sized order by abs(size - ${target}::int), path limit 1
  `.execute(db)
  return found.rows[0]!
}

const ourPage = (who: Actor, level: Level) => () =>
  db
    .selectFrom('records')
    .select(['id', 'owner_id', 'data', 'created_at'])
    .where(ownerWithinLevel('records.owner_id', who, level))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(PAGE_SIZE)
    .compile()

// Newest records, each owner probed by primary key: stops after ~50/selectivity rows.
const existsPage =
  ([lower, upper]: [string, string]) =>
  () =>
    sql`
    select r.id, r.owner_id, r.data, r.created_at from records r
    where exists (select 1 from users u where u.id = r.owner_id and u.path >= ${lower} and u.path < ${upper})
    order by r.created_at desc, r.id desc limit ${PAGE_SIZE}
  `.compile(db)

// The same probe as a correlated scalar subplan: the planner cannot turn it into a hash join.
const subplanPage =
  ([lower, upper]: [string, string]) =>
  () =>
    sql`
    select r.id, r.owner_id, r.data, r.created_at from records r
    where (select u.path >= ${lower} and u.path < ${upper} from users u where u.id = r.owner_id)
    order by r.created_at desc, r.id desc limit ${PAGE_SIZE}
  `.compile(db)

// Small subtrees: each owner's newest 50 from the (owner_id, created_at, id) index, merged.
const lateralPage =
  ([lower, upper]: [string, string]) =>
  () =>
    sql`
    select r.id, r.owner_id, r.data, r.created_at
    from (
      select x.id, x.created_at from users u
      cross join lateral (
        select r2.id, r2.created_at from records r2 where r2.owner_id = u.id
        order by r2.created_at desc, r2.id desc limit ${PAGE_SIZE}
      ) x
      where u.path >= ${lower} and u.path < ${upper}
      order by x.created_at desc, x.id desc limit ${PAGE_SIZE}
    ) top join records r on r.id = top.id
    order by top.created_at desc, top.id desc
  `.compile(db)

/** Below this many users the per-owner merge wins, above it the probe of newest records (sweep). */
const SMALL_SUBTREE = 4_000

// One statement that picks the shape by a capped count of the subtree: only one branch runs
// (one-time filters). The `limit` on users keeps the estimated cost under jit_above_cost.
const gatedPage =
  ([lower, upper]: [string, string]) =>
  () =>
    sql`
    with n as materialized (
      select count(*) as users from (
        select 1 from users where path >= ${lower} and path < ${upper} limit ${SMALL_SUBTREE}
      ) capped
    )
    select * from (
      select r.id, r.owner_id, r.data, r.created_at
      from (
        select x.id, x.created_at
        from (select id from users where path >= ${lower} and path < ${upper} limit ${SMALL_SUBTREE}) u
        cross join lateral (
          select r2.id, r2.created_at from records r2 where r2.owner_id = u.id
          order by r2.created_at desc, r2.id desc limit ${PAGE_SIZE}
        ) x
        order by x.created_at desc, x.id desc limit ${PAGE_SIZE}
      ) top join records r on r.id = top.id
      where (select users from n) < ${SMALL_SUBTREE}
      union all
      select * from (
        select r.id, r.owner_id, r.data, r.created_at from records r
        where (select u.path >= ${lower} and u.path < ${upper} from users u where u.id = r.owner_id)
        order by r.created_at desc, r.id desc limit ${PAGE_SIZE}
      ) newest
      where (select users from n) >= ${SMALL_SUBTREE}
    ) page
    order by created_at desc, id desc
  `.compile(db)

const selfPage = () =>
  sql`
    select r.id, r.owner_id, r.data, r.created_at from records r where r.owner_id = ${actor.id}
    order by r.created_at desc, r.id desc limit ${PAGE_SIZE}
  `.compile(db)

// A record the actor may see at OWNED, away from the newest pages the other cases warm up.
const visibleRecordId = (
  await sql<{ id: string }>`
    select r.id from records r
    where exists (select 1 from users u where u.id = r.owner_id
                  and u.path >= ${exactRange(actor.path)[0]} and u.path < ${exactRange(actor.path)[1]})
    order by r.created_at desc, r.id desc offset 10000 limit 1
  `.execute(db)
).rows[0]!.id

const ourPointCheck = () =>
  db
    .selectFrom('records')
    .select('records.id')
    .where('records.id', '=', visibleRecordId)
    .where(ownerWithinLevel('records.owner_id', actor, 'OWNED'))
    .compile()

const joinPointCheck = () => {
  const [lower, upper] = exactRange(actor.path)
  return sql`
    select r.id from records r join users u on u.id = r.owner_id
    where r.id = ${visibleRecordId} and u.path >= ${lower} and u.path < ${upper}
  `.compile(db)
}

const cases: QueryCase[] = [
  {
    name: 'page OWNED (~100k subtree)',
    targetMs: 10,
    sides: {
      ours: ourPage(actor, 'OWNED'),
      baseline: existsPage(exactRange(actor.path)),
      'candidate: scalar subplan': subplanPage(exactRange(actor.path)),
      'candidate: gated': gatedPage(exactRange(actor.path)),
    },
  },
  {
    name: 'page UNION (parent subtree)',
    targetMs: 10,
    sides: { ours: ourPage(actor, 'UNION'), baseline: existsPage(exactRange(parentPath)) },
  },
  { name: 'page SELF', targetMs: 10, sides: { ours: ourPage(actor, 'SELF'), baseline: selfPage } },
  {
    name: 'point check OWNED',
    targetMs: 1,
    sides: { ours: ourPointCheck, baseline: joinPointCheck },
  },
]

// Not asked for, but most real actors are small: first pages for smaller subtrees, ours against
// the two shapes that win at either end (probe newest records / merge per-owner indexes) and
// the gated query that picks between them.
const sweepSubtrees = [
  await closestSubtree(5, 100),
  await closestSubtree(4, 1_000),
  { ...(await loadActor(meta.moveUserId)), size: (meta.shape.moved as { size: number }).size },
]
for (const subtree of sweepSubtrees) {
  cases.push({
    name: `sweep: page OWNED, ${subtree.size}-user subtree`,
    targetMs: 10,
    iterations: SWEEP_ITERATIONS,
    sides: {
      ours: ourPage(subtree, 'OWNED'),
      'probe newest (subplan)': subplanPage(exactRange(subtree.path)),
      'per-owner lateral': lateralPage(exactRange(subtree.path)),
      gated: gatedPage(exactRange(subtree.path)),
    },
  })
}

const run = (make: () => CompiledQuery) => () => db.executeQuery(make())

async function explain(query: CompiledQuery, executor: TrellisDatabase = db): Promise<string> {
  const result = await executor.executeQuery<{ 'QUERY PLAN': string }>(
    CompiledQuery.raw(`explain (analyze, buffers) ${query.sql}`, [...query.parameters]),
  )
  return result.rows.map((row) => row['QUERY PLAN']).join('\n')
}

/** Records what a piece of code sends, so moveSubtree's statements can be explained one by one. */
class CaptureStatements implements KyselyPlugin {
  readonly seen: { node: RootOperationNode; queryId: QueryId }[] = []
  transformQuery(args: { node: RootOperationNode; queryId: QueryId }): RootOperationNode {
    this.seen.push({ node: args.node, queryId: args.queryId })
    return args.node
  }
  async transformResult<T>(args: { result: T }): Promise<T> {
    return args.result
  }
}

class Rollback extends Error {}
async function inRolledBackTransaction(work: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
  await db
    .transaction()
    .execute(async (trx) => {
      await work(trx)
      throw new Rollback()
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error
    })
}

const movedUser = meta.moveUserId
const parents = [meta.moveFromParentId, meta.moveToParentId] as const
let movedUnder: string = parents[0]
const nextParent = () => (movedUnder === parents[0] ? parents[1] : parents[0])

const ourMove = async () => {
  const target = nextParent()
  await db.transaction().execute((trx) => moveSubtree(trx, movedUser, target))
  movedUnder = target
}

// One statement, no lock and no cycle check: the floor for rewriting 10k paths and the
// owner paths their records carry (migration 0010).
const singleUpdateMove = (target: string) =>
  sql`
    with moved as (
      select m.path as old_path, p.path || m.node || '/' as new_path
      from users m, users p where m.id = ${movedUser} and p.id = ${target}
    ), moved_users as (
      update users u
      set path = moved.new_path || substr(u.path, length(moved.old_path) + 1),
          parent_id = case when u.id = ${movedUser} then ${target}::uuid else u.parent_id end
      from moved
      where u.path >= moved.old_path and u.path < left(moved.old_path, -1) || '0'
    )
    update records r
    set owner_path = moved.new_path || substr(r.owner_path, length(moved.old_path) + 1)
    from moved
    where r.owner_path >= moved.old_path and r.owner_path < left(moved.old_path, -1) || '0'
  `.compile(db)
const baselineMove = async () => {
  const target = nextParent()
  await db.executeQuery(singleUpdateMove(target))
  movedUnder = target
}

const rowIds = async (make: () => CompiledQuery) =>
  JSON.stringify((await db.executeQuery<{ id: string }>(make())).rows.map((row) => row.id))

interface Figure {
  readonly case: string
  readonly side: string
  readonly latency: LatencySummary
  readonly targetMs: number
}
const figures: Figure[] = []
const plans: string[] = []

for (const queryCase of cases) {
  const sides = Object.entries(queryCase.sides)
  const reference = await rowIds(sides[1]![1])
  for (const [side, make] of sides) {
    if ((await rowIds(make)) !== reference)
      console.log(`!! ${queryCase.name}: ${side} returns other rows than baseline`)
  }
  const latencies = await sampleLatencies(
    Object.fromEntries(sides.map(([side, make]) => [side, run(make) as Timed])),
    queryCase.iterations ? 3 : WARMUP,
    queryCase.iterations ?? ITERATIONS,
  )
  for (const [side, make] of sides) {
    figures.push({ case: queryCase.name, side, latency: latencies[side]!, targetMs: queryCase.targetMs })
    const query = make()
    plans.push(
      `## ${queryCase.name}: ${side}\n\n\`\`\`sql\n${query.sql.trim()}\n-- ${JSON.stringify(query.parameters)}\n\`\`\`\n\n\`\`\`\n${await explain(query)}\n\`\`\`\n`,
    )
  }
}

// The move: plans first (rolled back), then the timed moves, then vacuum (autovacuum may be off).
const capture = new CaptureStatements()
await inRolledBackTransaction(async (trx) => {
  await moveSubtree(trx.withPlugin(capture), movedUser, nextParent())
})
const moveStatements = capture.seen.map(({ node, queryId }) => db.getExecutor().compileQuery(node, queryId))
const moveExplains: string[] = []
await inRolledBackTransaction(async (trx) => {
  for (const statement of moveStatements) moveExplains.push(await explain(statement, trx))
})
plans.push(
  `## move 10k subtree: ours (moveSubtree, ${moveStatements.length} statements in one transaction)\n\n${moveStatements
    .map(
      (statement, i) => `\`\`\`sql\n${statement.sql.trim()}\n\`\`\`\n\n\`\`\`\n${moveExplains[i]}\n\`\`\`\n`,
    )
    .join('\n')}`,
)
await inRolledBackTransaction(async (trx) => {
  const query = singleUpdateMove(nextParent())
  plans.push(
    `## move 10k subtree: baseline\n\n\`\`\`sql\n${query.sql.trim()}\n\`\`\`\n\n\`\`\`\n${await explain(query, trx)}\n\`\`\`\n`,
  )
})
const moveLatencies = await sampleLatencies(
  { ours: ourMove, baseline: baselineMove },
  MOVE_WARMUP,
  MOVE_ITERATIONS,
)
for (const side of ['ours', 'baseline']) {
  figures.push({ case: 'move 10k subtree', side, latency: moveLatencies[side]!, targetMs: 2000 })
}
if (movedUnder !== parents[0]) throw new Error('The moved subtree did not end under its original parent')
// Dead tuples from the moves; no analyze, so the next run plans with the same statistics.
await sql`vacuum users, records`.execute(db)

/** Ours is compared with the baseline, or in the sweep with the fastest alternative shape. */
function reference(figure: Figure): Figure {
  const same = figures.filter((other) => other.case === figure.case)
  const baseline = same.find((other) => other.side === 'baseline')
  if (baseline) return baseline
  const alternatives = same.filter((other) => !other.side.startsWith('ours'))
  return alternatives.reduce((best, other) => (other.latency.p50 < best.latency.p50 ? other : best))
}

const table = figures.map((figure) => {
  const ratio = figure.latency.p50 / reference(figure).latency.p50
  return {
    case: figure.case,
    side: figure.side,
    p50: Number(figure.latency.p50.toFixed(3)),
    p99: Number(figure.latency.p99.toFixed(3)),
    'p50 ratio': Number(ratio.toFixed(2)),
    target: figure.targetMs,
    met: figure.latency.p50 <= figure.targetMs && (!figure.side.startsWith('ours') || ratio <= 1.2),
  }
})
const [load1] = loadavg()
console.log(
  `actor ${actor.path}, ${ITERATIONS} iterations (sweep ${SWEEP_ITERATIONS}), load average ${load1!.toFixed(2)}`,
)
console.table(table)
await mkdir(RESULTS_DIR, { recursive: true })
const sweep = sweepSubtrees.map(({ path, size }) => ({ path, size }))
await writeFile(
  new URL('measure-queries.json', RESULTS_DIR),
  `${JSON.stringify({ actor: actor.path, sweep, loadAverage: load1, table }, null, 2)}\n`,
)
await writeFile(
  new URL('plans.md', RESULTS_DIR),
  `# EXPLAIN (ANALYZE, BUFFERS), trellis_scale\n\n${plans.join('\n')}`,
)
await db.destroy()
