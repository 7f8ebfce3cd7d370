// Compares three ways to store the user tree on the same 1M users: our text path with a
// btree range, ltree with a GiST index, and a closure table. Each lives in schema
// `tree_compare` (built once, kept for reruns), so the application's tables are untouched.
// Run: cd bench && pnpm exec tsx tree-scale/compare-tree-structures.ts
import { type RawBuilder, sql } from 'kysely'
import { type LatencySummary, sampleLatencies } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 50)
// Each move is followed by the move back, so the side tables end as they began.
const MOVE_ITERATIONS = 6
const PAGE_SIZE = 50

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')

async function timed(label: string, work: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await work()
  const seconds = (performance.now() - started) / 1000
  console.log(`${label.padEnd(48)} ${seconds.toFixed(1).padStart(7)} s`)
  return seconds
}

/** Builds the side tables unless a previous run finished them; returns build seconds by structure. */
async function buildStructures(): Promise<Record<string, number>> {
  const done = await sql<{ value: Record<string, number> }>`
    select value from bench_meta where key = 'tree_compare'
  `.execute(db)
  if (done.rows[0]) return done.rows[0].value
  await sql`set maintenance_work_mem = '1GB'`.execute(db)
  await sql`set work_mem = '256MB'`.execute(db)
  await sql`drop schema if exists tree_compare cascade`.execute(db)
  await sql`create schema tree_compare`.execute(db)
  await sql`create extension if not exists ltree`.execute(db)
  const seconds: Record<string, number> = {}
  seconds['text path + btree'] = await timed('text path copy + btree', async () => {
    await sql`create table tree_compare.path_tree as select id, path from users`.execute(db)
    await sql`alter table tree_compare.path_tree add primary key (id)`.execute(db)
    await sql`create index path_tree_path on tree_compare.path_tree (path)`.execute(db)
  })
  seconds['ltree + GiST'] = await timed('ltree copy + GiST', async () => {
    // '/2/41/' becomes '2.41': node numbers are valid ltree labels.
    await sql`
      create table tree_compare.ltree_tree as
      select id, trim(both '.' from translate(path, '/', '.'))::ltree as path from users
    `.execute(db)
    await sql`alter table tree_compare.ltree_tree add primary key (id)`.execute(db)
    await sql`create index ltree_tree_path on tree_compare.ltree_tree using gist (path)`.execute(db)
  })
  seconds['closure table'] = await timed('closure table (every ancestor, self included)', async () => {
    await sql`
      create table tree_compare.closure as
      select a.id as ancestor_id, u.id as descendant_id, (cardinality(nodes) - anc.pos)::int as depth
      from users u
      cross join lateral string_to_array(trim(both '/' from u.path), '/') as nodes
      cross join lateral unnest(nodes) with ordinality as anc(node, pos)
      join users a on a.node = anc.node::bigint
    `.execute(db)
    await sql`alter table tree_compare.closure add primary key (ancestor_id, descendant_id)`.execute(db)
    await sql`create index closure_descendant on tree_compare.closure (descendant_id)`.execute(db)
  })
  await timed('vacuum analyze side tables', async () => {
    for (const table of ['path_tree', 'ltree_tree', 'closure']) {
      await sql.raw(`vacuum (analyze) tree_compare.${table}`).execute(db)
    }
  })
  await sql`insert into bench_meta (key, value) values ('tree_compare', ${JSON.stringify(seconds)}::jsonb)`.execute(
    db,
  )
  return seconds
}

const buildSeconds = await buildStructures()

const sizes = await sql<{ name: string; rows_estimate: number; size: string }>`
  select c.relname as name, c.reltuples::bigint as rows_estimate, pg_size_pretty(pg_total_relation_size(c.oid)) as size
  from pg_class c where c.oid in ('users'::regclass, 'tree_compare.path_tree'::regclass,
    'tree_compare.ltree_tree'::regclass, 'tree_compare.closure'::regclass)
`.execute(db)

const actorPath = (await sql<{ path: string }>`select path from users where id = ${meta.actorId}`.execute(db))
  .rows[0]!.path
const toLtree = (path: string) => path.replace(/^\/|\/$/g, '').replaceAll('/', '.')
const [lower, upper] = [actorPath, `${actorPath.slice(0, -1)}0`]
// A leaf-ish user inside the actor's subtree, for the "is X below A" check.
const member = (
  await sql<{ id: string }>`
    select id from users where path >= ${lower} and path < ${upper} order by path desc limit 1
  `.execute(db)
).rows[0]!.id

const page = (filter: RawBuilder<unknown>) => () =>
  sql`
    select r.id, r.owner_id, r.created_at from records r where ${filter}
    order by r.created_at desc, r.id desc limit ${PAGE_SIZE}
  `.execute(db)

const structures = {
  'text path + btree': {
    count: () =>
      sql`select count(*) from tree_compare.path_tree where path >= ${lower} and path < ${upper}`.execute(db),
    isBelow: () =>
      sql`
        select 1 from tree_compare.path_tree x, tree_compare.path_tree a
        where x.id = ${member} and a.id = ${meta.actorId} and starts_with(x.path, a.path)
      `.execute(db),
    page: page(
      sql`r.owner_id in (select t.id from tree_compare.path_tree t where t.path >= ${lower} and t.path < ${upper})`,
    ),
  },
  'ltree + GiST': {
    count: () =>
      sql`select count(*) from tree_compare.ltree_tree where path <@ ${toLtree(actorPath)}::ltree`.execute(
        db,
      ),
    isBelow: () =>
      sql`
        select 1 from tree_compare.ltree_tree x, tree_compare.ltree_tree a
        where x.id = ${member} and a.id = ${meta.actorId} and x.path <@ a.path
      `.execute(db),
    page: page(
      sql`r.owner_id in (select t.id from tree_compare.ltree_tree t where t.path <@ ${toLtree(actorPath)}::ltree)`,
    ),
  },
  'closure table': {
    count: () =>
      sql`select count(*) from tree_compare.closure where ancestor_id = ${meta.actorId}`.execute(db),
    isBelow: () =>
      sql`select 1 from tree_compare.closure where ancestor_id = ${meta.actorId} and descendant_id = ${member}`.execute(
        db,
      ),
    page: page(
      sql`r.owner_id in (select c.descendant_id from tree_compare.closure c where c.ancestor_id = ${meta.actorId})`,
    ),
  },
} as const
type StructureName = keyof typeof structures

// Moves of the ~10k subtree between its parent and another, on each side table alone.
const moveParents = [meta.moveFromParentId, meta.moveToParentId] as const
const moves: Record<StructureName, (to: string) => Promise<unknown>> = {
  'text path + btree': (to) =>
    sql`
      with m as (
        select m.path as old_path, p.path || substring(m.path from '[0-9]+/$') as new_path
        from tree_compare.path_tree m, tree_compare.path_tree p where m.id = ${meta.moveUserId} and p.id = ${to}
      )
      update tree_compare.path_tree t set path = m.new_path || substr(t.path, length(m.old_path) + 1)
      from m where t.path >= m.old_path and t.path < left(m.old_path, -1) || '0'
    `.execute(db),
  'ltree + GiST': (to) =>
    sql`
      with m as (
        select m.path as old_path, p.path || subpath(m.path, nlevel(m.path) - 1) as new_path
        from tree_compare.ltree_tree m, tree_compare.ltree_tree p where m.id = ${meta.moveUserId} and p.id = ${to}
      )
      update tree_compare.ltree_tree t
      set path = case when t.path = m.old_path then m.new_path else m.new_path || subpath(t.path, nlevel(m.old_path)) end
      from m where t.path <@ m.old_path
    `.execute(db),
  // Unlink the subtree from its old ancestors, link it under the new parent's ancestors.
  'closure table': (to) =>
    db.transaction().execute(async (trx) => {
      await sql`
        delete from tree_compare.closure c
        using tree_compare.closure sub, tree_compare.closure sup
        where sub.ancestor_id = ${meta.moveUserId} and c.descendant_id = sub.descendant_id
          and sup.descendant_id = ${meta.moveUserId} and sup.ancestor_id <> ${meta.moveUserId}
          and c.ancestor_id = sup.ancestor_id
      `.execute(trx)
      await sql`
        insert into tree_compare.closure (ancestor_id, descendant_id, depth)
        select sup.ancestor_id, sub.descendant_id, sup.depth + sub.depth + 1
        from tree_compare.closure sup, tree_compare.closure sub
        where sup.descendant_id = ${to} and sub.ancestor_id = ${meta.moveUserId}
      `.execute(trx)
    }),
}

const figures: { structure: string; operation: string; latency: LatencySummary }[] = []
for (const [name, operations] of Object.entries(structures) as [
  StructureName,
  (typeof structures)[StructureName],
][]) {
  const latencies = await sampleLatencies(operations, 5, ITERATIONS)
  for (const [operation, latency] of Object.entries(latencies))
    figures.push({ structure: name, operation, latency })
  let at = 0
  const move = async () => {
    at = 1 - at
    await moves[name](moveParents[at]!)
  }
  const moved = await sampleLatencies({ move }, 0, MOVE_ITERATIONS)
  if (at !== 0) throw new Error('odd number of moves')
  figures.push({ structure: name, operation: 'move 10k subtree', latency: moved.move! })
}
await sql`vacuum tree_compare.path_tree, tree_compare.ltree_tree, tree_compare.closure`.execute(db)

// The three must agree, or the figures compare different work.
const counts = await Promise.all(
  Object.values(structures).map(async (s) => Number(((await s.count()).rows[0] as { count: string }).count)),
)
console.log(`subtree of ${actorPath}: ${counts.join(' / ')} users (path / ltree / closure)`)
console.log('build seconds', buildSeconds)
console.table(sizes.rows)
console.table(
  figures.map(({ structure, operation, latency }) => ({
    structure,
    operation,
    p50: Number(latency.p50.toFixed(3)),
    p99: Number(latency.p99.toFixed(3)),
  })),
)
await db.destroy()
