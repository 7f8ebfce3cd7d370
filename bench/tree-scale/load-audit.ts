// Audit events for the scale dataset (issue 13: audit.list at every scope): AUDIT_EVENT_COUNT
// events, one every ~10 s from 2024-01-01, their owners drawn with the same skew and scatter
// as the records' (dataset-shape.ts), the random sequence seeded so a rerun draws the same
// events. The two secondary indexes are dropped for the insert and rebuilt after. Skips the
// work when bench_meta says it is done.
// Run: cd bench && pnpm exec tsx tree-scale/load-audit.ts (after load-dataset.ts)
import { sql } from 'kysely'
import { OWNER_SCATTER, OWNER_SKEW, USER_COUNT } from './dataset-shape.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const AUDIT_EVENT_COUNT = 3_000_000
const CHUNK = 1_000_000
const SEED = 0.13
const PERMISSIONS = [
  'records.read',
  'records.create',
  'records.update',
  'users.read',
  'users.update',
  'users.move',
]

const db = await openScaleDatabase()
if (!(await readBenchMeta(db)))
  throw new Error('trellis_scale holds no complete dataset: run load-dataset.ts first')
const done = await sql<{ value: unknown }>`select value from bench_meta where key = 'audit'`.execute(db)
if (done.rows.length > 0) {
  console.log('audit events already loaded:', JSON.stringify(done.rows[0]!.value))
} else {
  const started = performance.now()
  await sql`set synchronous_commit = off`.execute(db)
  await sql`set maintenance_work_mem = '1GB'`.execute(db)
  await sql`truncate audit_events`.execute(db)
  await sql`drop index if exists audit_events_occurred`.execute(db)
  await sql`drop index if exists audit_events_owner`.execute(db)
  await sql`select setseed(${SEED})`.execute(db)
  for (let first = 1; first <= AUDIT_EVENT_COUNT; first += CHUNK) {
    const last = Math.min(AUDIT_EVENT_COUNT, first + CHUNK - 1)
    const at = performance.now()
    await sql`
      with drawn as materialized (
        select g,
               1 + (floor(${USER_COUNT}::int * power(random(), ${OWNER_SKEW}::float))::bigint * ${OWNER_SCATTER}::bigint)
                 % ${USER_COUNT}::bigint as owner_node,
               timestamptz '2024-01-01 00:00:00+00' + g * interval '10 seconds'
                 + floor(random() * 10000) * interval '1 millisecond' as at,
               floor(random() * ${PERMISSIONS.length}::int)::int + 1 as permission,
               random() as chance
        from generate_series(${first}::int, ${last}::int) g
      )
      insert into audit_events (id, occurred_at, actor_id, owner_id, permission, procedure, target_id, outcome, request_id)
      select gen_random_uuid(), d.at, u.id, u.id, (${PERMISSIONS}::text[])[d.permission],
             replace((${PERMISSIONS}::text[])[d.permission], 'read', 'list'), null,
             case when d.chance < 0.03 then 'denied' when d.chance < 0.04 then 'failed' else 'allowed' end,
             'bench-' || d.g
      from drawn d join users u on u.node = d.owner_node
      order by d.g
    `.execute(db)
    console.log(`audit events ${first}..${last}: ${((performance.now() - at) / 1000).toFixed(1)} s`)
  }
  // As migration 0004 made them.
  await sql`create index audit_events_occurred on audit_events (occurred_at desc, id desc)`.execute(db)
  await sql`create index audit_events_owner on audit_events (owner_id, occurred_at desc, id desc)`.execute(db)
  await sql`vacuum (analyze) audit_events`.execute(db)
  const seconds = Math.round((performance.now() - started) / 1000)
  await sql`
    insert into bench_meta (key, value) values ('audit', ${JSON.stringify({ events: AUDIT_EVENT_COUNT, seed: SEED, seconds })}::jsonb)
  `.execute(db)
  console.log(`loaded ${AUDIT_EVENT_COUNT} audit events in ${seconds} s`)
}
await db.destroy()
