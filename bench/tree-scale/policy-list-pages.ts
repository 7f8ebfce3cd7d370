// Issue 15: a `records.list` page through a policy on the 1M-user / 10M-record dataset, with
// the partner feed of load-policy-feed.ts (1M records of its own type). The policy covers the
// feed's type with a filter (a region, and a reading range) and masks `contact`; a consumer
// holds `records.read` through a binding scoped to the policy, at ALL (BitBroker's consumer)
// and at OWNED over the ~100k-user actor's subtree. Sides, interleaved:
// - api: the whole call, in process through the real router (access, policy, audit);
// - ours: the page statement that call sends, captured from it and replayed alone;
// - hand: the same page hand-written (same filter, level, mask and order);
// - handTuned: the same on a session with JIT and parallel workers off, which the planner
//   may otherwise use for a hand-written page it misjudges (ratios: to the faster of the two).
// Every side must return the same records; no side may return the masked field.
// The policy, role and binding are made for the run and removed at the end, with the audit
// events the calls wrote. Run: cd bench && pnpm exec tsx tree-scale/policy-list-pages.ts
// Settings: SCALE_ITERATIONS (30).
import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { appRouter, createContext, DEFAULT_AUTH_CONFIG, silentLogger } from '@trellis/api'
import { type PolicyFilter, policyScope } from '@trellis/core'
import { bindRole, createRole, subtreeRange } from '@trellis/db'
import { type CompiledQuery, type RawBuilder, type SqlBool, sql } from 'kysely'
import { FEED_TYPE } from './policy-feed-shape.js'
import { type LatencySummary, sampleLatencies } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'
import { StatementCapture } from './statement-capture.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 30)
const WARMUP = 3
const PAGE_ROWS = 51 // a page of 50 and the row that tells a next page exists
const POLICY = 'benchPartnerFeed'
const MASKED = 'contact'
const RESULTS_DIR = new URL('./results/', import.meta.url)

/** The filters measured: a common one (~16% of the type) and a rare one (~0.2%). */
const FILTERS: Record<string, { policy: PolicyFilter; hand: RawBuilder<SqlBool> }> = {
  'north, reading ≥ 20': {
    policy: {
      and: [
        { field: 'region', eq: 'north' },
        { field: 'reading', range: { gte: 20 } },
      ],
    },
    hand: sql<SqlBool>`r.data ->> 'region' = 'north' and (r.data ->> 'reading')::numeric >= 20`,
  },
  'north, reading ≥ 99': {
    policy: {
      and: [
        { field: 'region', eq: 'north' },
        { field: 'reading', range: { gte: 99 } },
      ],
    },
    hand: sql<SqlBool>`r.data ->> 'region' = 'north' and (r.data ->> 'reading')::numeric >= 99`,
  },
}

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')
const feed = await db.selectFrom('entity_types').select('id').where('name', '=', FEED_TYPE).executeTakeFirst()
if (!feed) throw new Error(`trellis_scale has no ${FEED_TYPE}: run tree-scale/load-policy-feed.ts first`)
const actor = await db
  .selectFrom('users')
  .select(['id', 'path'])
  .where('id', '=', meta.actorId)
  .executeTakeFirstOrThrow()

/**
 * A session of its own with JIT compilation and parallel workers off, for the hand-written
 * page: the planner misjudges how many rows its filter keeps and may compile it or start
 * workers for a page of 51 rows.
 */
const tuned = await openScaleDatabase()
await sql`set jit = off`.execute(tuned)
await sql`set max_parallel_workers_per_gather = 0`.execute(tuned)

const capture = new StatementCapture()
const captured = db.withPlugin(capture)
/** The actor's calls, through every gate, on the capturing handle. */
const caller = appRouter.createCaller(
  createContext(
    { db: captured, dialect: 'postgres', logger: silentLogger, auth: DEFAULT_AUTH_CONFIG },
    { requestId: randomUUID(), clientAddress: '127.0.0.1', callerId: actor.id },
  ),
)

const { id: policyId } = await db
  .insertInto('policies')
  .values({
    name: POLICY,
    description: 'Bench (policy-list-pages.ts)',
    legal: JSON.stringify({ licence: 'bench' }),
  })
  .returning('id')
  .executeTakeFirstOrThrow()
await db
  .insertInto('policy_types')
  .values({ policy_id: policyId, entity_type_id: feed.id, filter: null, masks: [MASKED] })
  .execute()
const roleIds: string[] = []

type Level = 'ALL' | 'OWNED'
const report: string[] = []
const json: unknown[] = []

/** The page hand-written: the same filter, level, order and mask. */
function handWritten(level: Level, filter: RawBuilder<SqlBool>): CompiledQuery {
  const [lower, upper] = level === 'ALL' ? ['/', '0'] : subtreeRange(actor.path)
  return sql`
    select r.id, r.owner_id, r.status, r.data - ${MASKED}::text as data, r.created_at, r.updated_at, r.entity_type_id
    from records r
    where r.entity_type_id = ${feed!.id} and r.owner_path >= ${lower} and r.owner_path < ${upper} and ${filter}
    order by r.created_at desc, r.id desc
    limit ${PAGE_ROWS}
  `.compile(db)
}

/**
 * The statement of a `records.list` call that reads the page's rows: the one selecting
 * `updated_at` (a subquery passes through the plugin too, when it is built).
 */
function pageStatement(statements: readonly CompiledQuery[]): CompiledQuery {
  const page = statements.filter((statement) => /"records"\."updated_at"/.test(statement.sql))
  if (page.length !== 1) throw new Error(`Expected one page statement, found ${page.length}`)
  return page[0]!
}

const ids = (rows: readonly { id: string }[]) => rows.map((row) => row.id).join(',')

async function measureCase(level: Level, name: string, filter: (typeof FILTERS)[string]) {
  await db
    .updateTable('policy_types')
    .set({ filter: JSON.stringify(filter.policy) })
    .where('policy_id', '=', policyId)
    .execute()
  const list = () => caller.records.list({ entityType: FEED_TYPE, policy: POLICY })
  await list() // the access snapshot is cached after the first call, as on a running server
  capture.start()
  const answer = await list()
  const sent = capture.stop()
  const ours = pageStatement(sent)
  // Subqueries pass through the plugin too: a statement is one no other contains.
  const statements = sent.filter(
    (one) => !sent.some((other) => other !== one && other.sql.includes(one.sql)),
  ).length
  const hand = handWritten(level, filter.hand)
  const expected = ids(answer.items)
  for (const [side, query] of Object.entries({ ours, hand })) {
    const rows = (await db.executeQuery<{ id: string }>(query)).rows
    if (ids(rows.slice(0, PAGE_ROWS - 1)) !== expected)
      throw new Error(`${level} ${name}: ${side} returned other records than the API`)
  }
  if (answer.items.some((item) => MASKED in item.data))
    throw new Error(`${level} ${name}: ${MASKED} was returned`)
  if (answer.items.length < PAGE_ROWS - 1) throw new Error(`${level} ${name}: the page is not full`)
  const results = await sampleLatencies(
    {
      api: list,
      ours: () => db.executeQuery(ours),
      hand: () => db.executeQuery(hand),
      handTuned: () => tuned.executeQuery(hand),
    },
    WARMUP,
    ITERATIONS,
  )
  const line = (side: string, { p50, p99 }: LatencySummary) =>
    `  ${side.padEnd(9)} p50 ${p50.toFixed(2).padStart(8)} ms   p99 ${p99.toFixed(2).padStart(8)} ms`
  const best = results.hand!.p50 <= results.handTuned!.p50 ? 'hand' : 'handTuned'
  const ratio = (side: string) => (results[side]!.p50 / results[best]!.p50).toFixed(2)
  const lines = [
    `${level} ${name} (${ITERATIONS} iterations, load ${loadavg()[0]!.toFixed(2)}, ${statements} statements a call)`,
    ...Object.entries(results).map(([side, summary]) => line(side, summary)),
    `  ratio to the best hand-written (${best}): ours ${ratio('ours')}, api ${ratio('api')}`,
  ]
  console.log(lines.join('\n'))
  report.push(...lines)
  const plans = await Promise.all(
    [ours, hand].map(async (query) => {
      const explained = await db.executeQuery<{ 'QUERY PLAN': string }>({
        ...query,
        sql: `explain (analyze, buffers) ${query.sql}`,
      })
      return explained.rows.map((row) => row['QUERY PLAN']).join('\n')
    }),
  )
  json.push({ level, filter: name, statements, results, best, ours: ours.sql, hand: hand.sql, plans })
}

try {
  for (const level of ['ALL', 'OWNED'] as const) {
    const roleId = await createRole(db, `bench-policy-${randomUUID().slice(0, 8)}`, {
      grants: { 'records.read': level },
    })
    if (!roleId) throw new Error('A bench role name was taken twice')
    roleIds.push(roleId)
    await bindRole(db, { userId: actor.id, roleId, scope: policyScope(POLICY) })
    for (const [name, filter] of Object.entries(FILTERS)) await measureCase(level, name, filter)
    await db.deleteFrom('user_roles').where('role_id', '=', roleId).execute()
  }
  await mkdir(RESULTS_DIR, { recursive: true })
  await writeFile(new URL('policy-list-pages.txt', RESULTS_DIR), `${report.join('\n')}\n`)
  await writeFile(new URL('policy-list-pages.json', RESULTS_DIR), `${JSON.stringify(json, null, 2)}\n`)
} finally {
  await db
    .deleteFrom('user_roles')
    .where('role_id', 'in', roleIds.length ? roleIds : [randomUUID()])
    .execute()
  if (roleIds.length) await db.deleteFrom('roles').where('id', 'in', roleIds).execute()
  await db.deleteFrom('audit_events').where('policy', '=', POLICY).execute()
  await db.deleteFrom('policy_usage').where('policy_id', '=', policyId).execute()
  await db.deleteFrom('policy_types').where('policy_id', '=', policyId).execute()
  await db.deleteFrom('policies').where('id', '=', policyId).execute()
  await db.destroy()
  await tuned.destroy()
}
