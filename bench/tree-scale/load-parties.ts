// Parties for the scale dataset (issue 14): applies the new migrations (0013 record_parties),
// declares a `payee` party on the dataset's type (user ids, counted for read), and gives one
// record in PARTY_EVERY a payee, drawn with the owners' skew (dataset-shape.ts) but scattered
// over the tree by another bijection, so a subtree's payees sit mostly on records owned
// elsewhere. Which records and which users come from each record's `seq` alone (a hash), so
// a rerun draws the same rows whatever order the table is read in. The rows carry their
// user's path as the trigger would set it (filled in the insert, trigger off, like the
// records' owner_path in load-dataset.ts); keys and indexes are dropped for the insert and
// rebuilt from their catalog definitions. Skips the rows when bench_meta says they are in.
// Run: cd bench && pnpm exec tsx tree-scale/load-parties.ts (after load-dataset.ts)
import { migrateToLatest } from '@trellis/db'
import { sql } from 'kysely'
import { OWNER_SKEW, USER_COUNT } from './dataset-shape.js'
import { PARTY_NAME } from './party-name.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

/** One record in this many gets a payee: 20%. */
const PARTY_EVERY = 5
/** Like OWNER_SCATTER, a bijection on 0..USER_COUNT-1 (odd, not a multiple of 5), but another one. */
const PARTY_SCATTER = 300_007
const PARTIES = { [PARTY_NAME]: { description: 'Who is paid (bench)', from: 'users' } }

const db = await openScaleDatabase()
if (!(await readBenchMeta(db)))
  throw new Error('trellis_scale holds no complete dataset: run load-dataset.ts first')
const { applied } = await migrateToLatest(db)
console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema up to date')
await db
  .updateTable('entity_types')
  .set({ parties: JSON.stringify(PARTIES) })
  .where('name', '=', 'scaleRecords')
  .execute()

const done = await sql<{ value: unknown }>`select value from bench_meta where key = 'parties'`.execute(db)
if (done.rows.length > 0) {
  console.log('parties already loaded:', JSON.stringify(done.rows[0]!.value))
} else {
  const started = performance.now()
  await sql`set synchronous_commit = off`.execute(db)
  await sql`set maintenance_work_mem = '1GB'`.execute(db)
  await sql`set work_mem = '256MB'`.execute(db)
  await sql`truncate record_parties`.execute(db)
  const constraints = await sql<{ name: string; def: string }>`
    select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = 'record_parties'::regclass and contype in ('p', 'f') order by contype desc
  `.execute(db)
  const indexes = await sql<{ name: string; def: string }>`
    select indexname as name, indexdef as def from pg_indexes
    where tablename = 'record_parties' and indexname not in (select conname from pg_constraint)
  `.execute(db)
  for (const c of constraints.rows)
    await sql.raw(`alter table record_parties drop constraint ${c.name}`).execute(db)
  for (const index of indexes.rows) await sql.raw(`drop index ${index.name}`).execute(db)
  await sql`alter table record_parties disable trigger record_parties_user_path`.execute(db)
  // A uniform draw in [0, 1) per record from the hash of its seq: the same on every run.
  const inserted = await sql`
    with drawn as materialized (
      select r.id, r.created_at,
             ('x' || substr(md5('payee ' || (r.data ->> 'seq')), 1, 8))::bit(32)::bigint / 4294967296.0 as draw
      from records r where (r.data ->> 'seq')::bigint % ${PARTY_EVERY}::int = 0
    )
    insert into record_parties (record_id, party, user_id, user_path, created_at)
    select d.id, ${PARTY_NAME}, u.id, u.path, d.created_at
    from drawn d join users u
      on u.node = 1 + (floor(${USER_COUNT}::int * power(d.draw, ${OWNER_SKEW}::float))::bigint * ${PARTY_SCATTER}::bigint)
                      % ${USER_COUNT}::bigint
  `.execute(db)
  const rows = Number(inserted.numAffectedRows ?? 0)
  console.log(`party rows: ${rows} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  await sql`alter table record_parties enable trigger record_parties_user_path`.execute(db)
  for (const ddl of [
    ...constraints.rows.filter((c) => c.def.startsWith('PRIMARY')),
    ...indexes.rows.map((index) => ({ name: index.name, def: index.def })),
    ...constraints.rows.filter((c) => c.def.startsWith('FOREIGN')),
  ]) {
    const at = performance.now()
    const statement = ddl.def.startsWith('CREATE')
      ? ddl.def
      : `alter table record_parties add constraint ${ddl.name} ${ddl.def}`
    await sql.raw(statement).execute(db)
    console.log(`${ddl.name}: ${((performance.now() - at) / 1000).toFixed(1)} s`)
  }
  await sql`vacuum (analyze) record_parties`.execute(db)
  const seconds = Math.round((performance.now() - started) / 1000)
  const meta = {
    party: PARTY_NAME,
    entityType: 'scaleRecords',
    parties: PARTIES,
    rows,
    everyNthRecord: PARTY_EVERY,
    skew: OWNER_SKEW,
    scatter: PARTY_SCATTER,
    seconds,
  }
  await sql`insert into bench_meta (key, value) values ('parties', ${JSON.stringify(meta)}::jsonb)`.execute(
    db,
  )
  console.log(`loaded ${rows} party rows in ${seconds} s`)
}
await db.destroy()
