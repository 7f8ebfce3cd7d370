// Issue 15: a partner feed for the scale dataset. The dataset's own records hold only
// `{ seq }`, nothing a policy would filter on, so this adds an entity type of its own,
// `partnerReadings`, with 1,000,000 records `{ seq, region, reading, contact }`: five regions
// drawn uniformly, a reading in [0, 100) to one decimal, and a personal `contact` (the field a
// policy masks). Owners are drawn with the dataset's skew and scatter (dataset-shape.ts), one
// record every ~60 s over the same two years as the dataset's records, so they sit among them
// in every index. The owner's path is filled in the insert (trigger off, as in load-dataset.ts).
// Skips the rows when bench_meta says they are in.
// Run: cd bench && pnpm exec tsx tree-scale/load-policy-feed.ts (after load-dataset.ts)
import { migrateToLatest } from '@trellis/db'
import { sql } from 'kysely'
import { OWNER_SCATTER, OWNER_SKEW, USER_COUNT } from './dataset-shape.js'
import { FEED_RECORDS, FEED_REGIONS, FEED_SCHEMA, FEED_TYPE } from './policy-feed-shape.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const db = await openScaleDatabase()
if (!(await readBenchMeta(db)))
  throw new Error('trellis_scale holds no complete dataset: run load-dataset.ts first')
const { applied } = await migrateToLatest(db)
console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema up to date')

const done = await sql<{ value: unknown }>`select value from bench_meta where key = 'policyFeed'`.execute(db)
if (done.rows.length > 0) {
  console.log('partner feed already loaded:', JSON.stringify(done.rows[0]!.value))
} else {
  const started = performance.now()
  await sql`set synchronous_commit = off`.execute(db)
  await sql`set work_mem = '256MB'`.execute(db)
  const { id: typeId } = await db
    .insertInto('entity_types')
    .values({
      name: FEED_TYPE,
      description: 'Bench: readings a partner feed serves (issue 15)',
      schema: JSON.stringify(FEED_SCHEMA),
    })
    .onConflict((conflict) => conflict.column('name').doUpdateSet({ schema: JSON.stringify(FEED_SCHEMA) }))
    .returning('id')
    .executeTakeFirstOrThrow()
  await db.transaction().execute(async (trx) => {
    await sql`alter table records disable trigger records_owner_path`.execute(trx)
    await sql`
      with drawn as materialized (
        select g,
               1 + (floor(${USER_COUNT}::int * power(random(), ${OWNER_SKEW}::float))::bigint * ${OWNER_SCATTER}::bigint)
                 % ${USER_COUNT}::bigint as owner_node,
               timestamptz '2024-01-01 00:00:00+00' + g * interval '60 seconds'
                 + floor(random() * 60000) * interval '1 millisecond' as at
        from generate_series(1, ${FEED_RECORDS}::int) g
      )
      insert into records (id, entity_type_id, owner_id, owner_path, data, created_at, updated_at)
      select gen_random_uuid(), ${typeId}::uuid, u.id, u.path,
             jsonb_build_object(
               'seq', d.g,
               'region', (${sql.val([...FEED_REGIONS])}::text[])[1 + floor(random() * ${FEED_REGIONS.length}::int)::int],
               'reading', round((random() * 100)::numeric, 1),
               'contact', 'person' || d.g || '@example.com'),
             d.at, d.at
      from drawn d join users u on u.node = d.owner_node
      order by d.g
    `.execute(trx)
    await sql`alter table records enable trigger records_owner_path`.execute(trx)
  })
  await sql`vacuum (analyze) records`.execute(db)
  const seconds = Math.round((performance.now() - started) / 1000)
  const meta = { entityType: FEED_TYPE, records: FEED_RECORDS, regions: FEED_REGIONS, seconds }
  await sql`insert into bench_meta (key, value) values ('policyFeed', ${JSON.stringify(meta)}::jsonb)`.execute(
    db,
  )
  console.log(`loaded ${FEED_RECORDS} ${FEED_TYPE} records in ${seconds} s`)
}
await db.destroy()
