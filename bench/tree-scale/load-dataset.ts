// Loads the scale dataset into its own PostgreSQL database: 1,000,000 users in a tree of
// depth 10 with skewed fan-out, and 10,000,000 records with skewed owners, all generated in
// SQL. Idempotent: a database whose `bench_meta` says it is loaded is left alone; any other
// (a load that died half-way) is dropped and loaded again, so no half-written dataset survives.
// Run: cd bench && pnpm exec tsx tree-scale/load-dataset.ts
import { createDatabase, migrateToLatest, type TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import {
  ACTOR_SUBTREE_TARGET,
  FANOUT_SKEW,
  LEVEL_SIZES,
  MOVE_SUBTREE_TARGET,
  OWNER_SCATTER,
  OWNER_SKEW,
  RECORD_CHUNK,
  RECORD_COUNT,
  USER_COUNT,
} from './dataset-shape.js'
import {
  ADMIN_DATABASE_URL,
  type BenchMeta,
  openScaleDatabase,
  readBenchMeta,
  SCALE_DATABASE_NAME,
  writeBenchMeta,
} from './scale-database.js'

const started = performance.now()

async function stage<T>(label: string, work: () => Promise<T>, rows?: (result: T) => number): Promise<T> {
  const at = performance.now()
  const result = await work()
  const seconds = ((performance.now() - at) / 1000).toFixed(1)
  const count = rows ? ` ${rows(result).toLocaleString('en')} rows` : ''
  console.log(`${label.padEnd(44)}${count.padStart(18)} ${seconds.padStart(7)} s`)
  return result
}

const affected = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0)

/** True when the database exists and holds a complete dataset. */
async function alreadyLoaded(): Promise<boolean> {
  const admin = await createDatabase({ databaseUrl: ADMIN_DATABASE_URL, maxConnections: 1 })
  try {
    const found = await sql`select 1 from pg_database where datname = ${SCALE_DATABASE_NAME}`.execute(admin)
    if (found.rows.length === 0) {
      await sql.raw(`create database ${SCALE_DATABASE_NAME}`).execute(admin)
      return false
    }
    const db = await openScaleDatabase()
    const meta = await readBenchMeta(db).finally(() => db.destroy())
    if (meta) return true
    // A load that died half-way: start again from an empty database.
    console.log(`${SCALE_DATABASE_NAME} exists without a complete dataset: recreating it`)
    await sql.raw(`drop database ${SCALE_DATABASE_NAME} with (force)`).execute(admin)
    await sql.raw(`create database ${SCALE_DATABASE_NAME}`).execute(admin)
    return false
  } finally {
    await admin.destroy()
  }
}

interface SavedDdl {
  readonly keys: string[]
  readonly indexes: string[]
  readonly foreignKeys: string[]
}

/**
 * Drops the indexes and keys of users and records (saving their definitions from the
 * catalog): building an index once after the load is far cheaper than keeping it up to date
 * row by row, and a foreign key checked once by a join beats 10M trigger calls.
 */
async function dropIndexesAndKeys(db: TrellisDatabase): Promise<SavedDdl> {
  const constraints = await sql<{ table: string; name: string; def: string; type: string }>`
    select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as def, contype as type
    from pg_constraint
    where contype in ('p', 'u', 'f')
      and (conrelid in ('users'::regclass, 'records'::regclass) or confrelid in ('users'::regclass, 'records'::regclass))
  `.execute(db)
  const indexes = await sql<{ name: string; def: string }>`
    select indexname as name, indexdef as def from pg_indexes
    where schemaname = 'public' and tablename in ('users', 'records')
      and indexname not in (select conname from pg_constraint where contype in ('p', 'u'))
  `.execute(db)
  const foreignKeys = constraints.rows.filter((c) => c.type === 'f')
  const keys = constraints.rows.filter((c) => c.type !== 'f')
  for (const c of [...foreignKeys, ...keys]) {
    await sql.raw(`alter table ${c.table} drop constraint ${c.name}`).execute(db)
  }
  for (const index of indexes.rows) await sql.raw(`drop index ${index.name}`).execute(db)
  const addConstraint = (c: { table: string; name: string; def: string }) =>
    `alter table ${c.table} add constraint ${c.name} ${c.def}`
  return {
    keys: keys.map(addConstraint),
    indexes: indexes.rows.map((index) => index.def),
    foreignKeys: foreignKeys.map(addConstraint),
  }
}

/** The tree, level by level, in an unlogged staging table: each child picks a parent of the level above. */
async function generateTree(db: TrellisDatabase): Promise<void> {
  await sql`
    create unlogged table scale_nodes (
      node bigint primary key,
      id uuid not null default gen_random_uuid(),
      depth int not null,
      parent_node bigint,
      path text collate "C" not null,
      pick_rank int not null,
      size int not null default 1
    )
  `.execute(db)
  let base = 0
  for (const [index, count] of LEVEL_SIZES.entries()) {
    const depth = index + 1
    const parents = LEVEL_SIZES[index - 1]
    // pick_rank is a random permutation within the level, so a user's luck as a parent is
    // independent of its parent's: subtree sizes come out heavy-tailed, not one giant tree.
    const query =
      parents === undefined
        ? sql`
            insert into scale_nodes (node, depth, path, pick_rank)
            select ${base} + g, 1, '/' || (${base} + g) || '/', row_number() over (order by random()) - 1
            from generate_series(1, ${count}::int) g`
        : sql`
            with picks as materialized (
              select g, floor(${parents}::int * power(random(), ${FANOUT_SKEW}::float))::int as pick
              from generate_series(1, ${count}::int) g
            )
            insert into scale_nodes (node, depth, parent_node, path, pick_rank)
            select ${base} + c.g, ${depth}::int, p.node, p.path || (${base} + c.g) || '/',
                   row_number() over (order by random()) - 1
            from picks c join scale_nodes p on p.depth = ${depth - 1}::int and p.pick_rank = c.pick`
    await query.execute(db)
    base += count
  }
  // Subtree sizes bottom-up, to pick the measured users.
  for (let depth = LEVEL_SIZES.length - 1; depth >= 1; depth--) {
    await sql`
      update scale_nodes p set size = 1 + s.total
      from (select parent_node, sum(size)::int as total from scale_nodes where depth = ${depth + 1}::int group by 1) s
      where p.node = s.parent_node
    `.execute(db)
  }
}

async function loadUsers(db: TrellisDatabase): Promise<void> {
  await stage(
    'users',
    () =>
      sql`
        insert into users (id, node, path, parent_id, email, kind, status, created_at, updated_at)
        select n.id, n.node, n.path, p.id, 'user' || n.node || '@scale.test',
               case when n.node % 10 = 0 then 'service' else 'person' end, 'active',
               timestamptz '2023-01-01 00:00:00+00' + n.node * interval '30 seconds',
               timestamptz '2023-01-01 00:00:00+00' + n.node * interval '30 seconds'
        from scale_nodes n left join scale_nodes p on p.node = n.parent_node
      `.execute(db),
    affected,
  )
  // Later inserts (insertUser) take the next node from the identity sequence.
  await sql`select setval(pg_get_serial_sequence('users', 'node'), ${USER_COUNT}::bigint)`.execute(db)
}

async function loadRecords(db: TrellisDatabase): Promise<void> {
  // Every record has an entity type (migration 0007); the dataset uses one.
  const { id: entityTypeId } = await db
    .insertInto('entity_types')
    .values({ name: 'scaleRecords', schema: JSON.stringify({ type: 'object' }) })
    .onConflict((conflict) => conflict.column('name').doUpdateSet({ description: '' }))
    .returning('id')
    .executeTakeFirstOrThrow()
  // The owner's path comes from the staging table, not from 10M calls of the trigger that
  // sets it (migration 0010).
  await sql`alter table records disable trigger records_owner_path`.execute(db)
  for (let first = 1; first <= RECORD_COUNT; first += RECORD_CHUNK) {
    const last = Math.min(RECORD_COUNT, first + RECORD_CHUNK - 1)
    // One record every ~6 s from 2024-01-01, inserted in time order as a live system would.
    await stage(
      `records ${first.toLocaleString('en')}..${last.toLocaleString('en')}`,
      () =>
        sql`
          with drawn as materialized (
            select g,
                   1 + (floor(${USER_COUNT}::int * power(random(), ${OWNER_SKEW}::float))::bigint * ${OWNER_SCATTER}::bigint)
                     % ${USER_COUNT}::bigint as owner_node,
                   timestamptz '2024-01-01 00:00:00+00' + g * interval '6 seconds'
                     + floor(random() * 6000) * interval '1 millisecond' as at
            from generate_series(${first}::int, ${last}::int) g
          )
          insert into records (id, entity_type_id, owner_id, owner_path, data, created_at, updated_at)
          select gen_random_uuid(), ${entityTypeId}::uuid, n.id, n.path, jsonb_build_object('seq', d.g), d.at, d.at
          from drawn d join scale_nodes n on n.node = d.owner_node
          order by d.g
        `.execute(db),
      affected,
    )
  }
  await sql`alter table records enable trigger records_owner_path`.execute(db)
}

async function restore(db: TrellisDatabase, saved: SavedDdl): Promise<void> {
  for (const ddl of [...saved.keys, ...saved.indexes, ...saved.foreignKeys]) {
    await stage(
      ddl.replace(/^(alter table \S+ add constraint|CREATE (UNIQUE )?INDEX) /, '').slice(0, 42),
      () => sql.raw(ddl).execute(db),
    )
  }
  await stage('vacuum analyze users', () => sql`vacuum (analyze) users`.execute(db))
  await stage('vacuum analyze records', () => sql`vacuum (analyze) records`.execute(db))
}

interface PickedNode {
  node: string
  id: string
  path: string
  depth: number
  size: number
  parent_node: string
}

/** The users the measurements need, chosen by subtree size from the staging table. */
async function pickUsers(db: TrellisDatabase) {
  const closest = async (target: number, minDepth: number, outside: string | null) =>
    (
      await sql<PickedNode>`
        select node::text, id, path, depth, size, parent_node::text from scale_nodes
        where depth >= ${minDepth}::int and (${outside}::text is null or not starts_with(path, ${outside}::text))
        order by abs(size - ${target}::int), node limit 1
      `.execute(db)
    ).rows[0]!
  const actor = await closest(ACTOR_SUBTREE_TARGET, 2, null)
  const actorParent = (
    await sql<PickedNode>`select node::text, id, path, depth, size from scale_nodes where node = ${actor.parent_node}::bigint`.execute(
      db,
    )
  ).rows[0]!
  // Outside the actor's UNION reach, so moving it never changes what the page queries see.
  const moved = await closest(MOVE_SUBTREE_TARGET, 3, actorParent.path)
  const from = (
    await sql<PickedNode>`select node::text, id, path, depth, size from scale_nodes where node = ${moved.parent_node}::bigint`.execute(
      db,
    )
  ).rows[0]!
  const to = (
    await sql<PickedNode>`
      select node::text, id, path, depth, size from scale_nodes
      where depth = ${from.depth}::int and node <> ${from.node}::bigint
        and not starts_with(path, ${actorParent.path}::text) and not starts_with(path, ${moved.path}::text)
      order by size, node limit 1
    `.execute(db)
  ).rows[0]!
  return { actor, actorParent, moved, from, to }
}

/** Within 10% of the targets, so the report's "100k" and "10k" subtrees are what they say. */
function hitsTargets(picks: Awaited<ReturnType<typeof pickUsers>>): boolean {
  const near = (size: number, target: number) => Math.abs(size - target) <= target / 10
  return near(picks.actor.size, ACTOR_SUBTREE_TARGET) && near(picks.moved.size, MOVE_SUBTREE_TARGET)
}

/**
 * Generates trees from seeds 1, 2, 3... and keeps the first with a ~100k and a ~10k
 * subtree: deterministic, and cheaper than bending the distribution until one appears.
 */
async function generateTreeWithTargets(db: TrellisDatabase) {
  for (let seed = 1; seed <= 50; seed++) {
    await sql`select setseed(${seed / 100}::float)`.execute(db)
    const picks = await stage(
      `tree, seed ${seed}`,
      async () => {
        await generateTree(db)
        return pickUsers(db)
      },
      () => USER_COUNT,
    )
    console.log(`  closest subtrees: ${picks.actor.size} (aim 100k), ${picks.moved.size} (aim 10k)`)
    if (hitsTargets(picks)) return { seed, picks }
    await sql`drop table scale_nodes`.execute(db)
  }
  throw new Error('No seed in 1..50 gives subtrees near the targets: change LEVEL_SIZES or FANOUT_SKEW')
}

/** Statistics for the report, from the staging table and the loaded tables. */
async function describeShape(db: TrellisDatabase, picks: Awaited<ReturnType<typeof pickUsers>>) {
  const perDepth = await sql`
    with kids as (select parent_node as node, count(*)::int as c from scale_nodes where parent_node is not null group by 1)
    select n.depth, count(*)::int as users, count(*) filter (where coalesce(k.c, 0) = 0)::int as leaves,
           round(avg(coalesce(k.c, 0)), 2)::float as avg_fanout, max(coalesce(k.c, 0))::int as max_fanout,
           max(n.size)::int as max_subtree
    from scale_nodes n left join kids k using (node) group by n.depth order by n.depth
  `.execute(db)
  const fanout = await sql`
    with kids as (select parent_node, count(*)::int as c from scale_nodes where parent_node is not null group by 1)
    select case when c = 1 then '1' when c <= 5 then '2-5' when c <= 20 then '6-20' when c <= 100 then '21-100'
                when c <= 1000 then '101-1000' else '>1000' end as children, count(*)::int as parents
    from kids group by 1 order by min(c)
  `.execute(db)
  const subtrees = await sql`
    select count(*) filter (where size >= 1000)::int as at_least_1k, count(*) filter (where size >= 10000)::int as at_least_10k,
           count(*) filter (where size >= 100000)::int as at_least_100k, max(size) as largest
    from scale_nodes
  `.execute(db)
  const owners = await sql`
    with per_user as (
      select n.id, coalesce(c.n, 0) as n from scale_nodes n
      left join (select owner_id, count(*)::int as n from records group by 1) c on c.owner_id = n.id
    ), ranked as (select n, row_number() over (order by n desc) as r from per_user)
    select count(*) filter (where n = 0)::int as owning_none,
           percentile_disc(array[0.5, 0.9, 0.99, 0.999]) within group (order by n) as p50_p90_p99_p999,
           max(n) as most, (sum(n) filter (where r <= ${USER_COUNT / 100}::int))::float / sum(n)::float as top_1pct_share
    from ranked
  `.execute(db)
  const reach = async (path: string) =>
    (
      await sql<{ users: number; records: number }>`
        select count(distinct u.id)::int as users, count(r.id)::int as records
        from users u left join records r on r.owner_id = u.id
        where u.path >= ${path} and u.path < ${`${path.slice(0, -1)}0`}
      `.execute(db)
    ).rows[0]!
  const actorSelf = await sql<{
    n: number
  }>`select count(*)::int as n from records where owner_id = ${picks.actor.id}`.execute(db)
  return {
    users: USER_COUNT,
    records: RECORD_COUNT,
    perDepth: perDepth.rows,
    fanout: fanout.rows,
    subtrees: subtrees.rows[0],
    owners: owners.rows[0],
    actor: { ...picks.actor, owned: await reach(picks.actor.path), selfRecords: actorSelf.rows[0]!.n },
    actorParent: { ...picks.actorParent, union: await reach(picks.actorParent.path) },
    moved: picks.moved,
    moveFrom: picks.from,
    moveTo: picks.to,
  }
}

if (await alreadyLoaded()) {
  const db = await openScaleDatabase()
  const meta = (await readBenchMeta(db))!
  // Migrations added since the load still apply, so the schema matches the code under test.
  const { applied } = await migrateToLatest(db).finally(() => db.destroy())
  console.log(`${SCALE_DATABASE_NAME} already holds the dataset (loaded in ${meta.loadSeconds} s)`)
  console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema up to date')
} else {
  const db = await openScaleDatabase()
  try {
    await stage('migrations', () => migrateToLatest(db))
    await sql`set maintenance_work_mem = '1GB'`.execute(db)
    await sql`set work_mem = '256MB'`.execute(db)
    // A crash means starting over anyway, so durability per commit buys nothing here.
    await sql`set synchronous_commit = off`.execute(db)
    const saved = await stage('drop indexes and keys', () => dropIndexesAndKeys(db))
    const { seed, picks } = await generateTreeWithTargets(db)
    await loadUsers(db)
    await loadRecords(db)
    await restore(db, saved)
    const shape = await stage('dataset statistics', () => describeShape(db, picks))
    await sql`drop table scale_nodes`.execute(db)
    const loadSeconds = Math.round((performance.now() - started) / 1000)
    const meta: BenchMeta = {
      actorId: picks.actor.id,
      moveUserId: picks.moved.id,
      moveFromParentId: picks.from.id,
      moveToParentId: picks.to.id,
      loadSeconds,
      shape: { seed, ...shape },
    }
    await writeBenchMeta(db, meta)
    const size = await sql<{
      size: string
    }>`select pg_size_pretty(pg_database_size(current_database())) as size`.execute(db)
    console.log(JSON.stringify(shape, null, 2))
    console.log(`loaded in ${loadSeconds} s; database ${SCALE_DATABASE_NAME} is ${size.rows[0]!.size}`)
  } finally {
    await db.destroy()
  }
}
