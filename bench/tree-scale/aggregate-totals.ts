// Issue 14: leveled totals on the 1M-user / 10M-record dataset. Times `records.aggregate`
// (the sum of a numeric field over the actor's ~100k-user subtree at OWNED, the same per
// month, and over all 10M records at ALL) and `records.list` with `withTotal` (a count
// capped at 10,000) at the same scopes, each called in process through the real router,
// against the hand-written SQL for the same totals. The dataset's type counts its `payee`
// party for read (load-parties.ts), so at OWNED a record counts when its owner or its payee
// is in the subtree. Every side must give the same numbers.
// The grants and the field's schema it needs are written in one transaction that is rolled
// back at the end: the dataset is left as it was.
// Run: cd bench && pnpm exec tsx tree-scale/aggregate-totals.ts (after load-parties.ts)
// Settings: SCALE_ITERATIONS (20; the ALL cases take a tenth of it, at least 3).
import { randomUUID } from 'node:crypto'
import { loadavg } from 'node:os'
import { appRouter, createContext, DEFAULT_AUTH_CONFIG, silentLogger } from '@trellis/api'
import { bindRole, createRole, subtreeRange, type TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import { PARTY_NAME } from './party-name.js'
import { type LatencySummary, sampleLatencies, type Timed } from './sample-latency.js'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const ITERATIONS = Number(process.env.SCALE_ITERATIONS ?? 20)
const ALL_ITERATIONS = Math.max(3, Math.round(ITERATIONS / 10))
const WARMUP = 2
// records.list counts its items exactly up to this many (TOTAL_CAP in packages/api).
const TOTAL_CAP = 10_000
const TYPE = 'scaleRecords'
// The dataset's records hold `{ seq: n }`; its type declares no field, so the run declares `seq`.
const SCHEMA = { type: 'object', properties: { seq: { type: 'integer' } } }

class RollBack extends Error {}

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')

/** A caller acting as `userId` through every gate, on the run's transaction. */
function callerOn(trx: TrellisDatabase, userId: string) {
  const context = createContext(
    { db: trx, dialect: 'postgres', logger: silentLogger, auth: DEFAULT_AUTH_CONFIG },
    { requestId: randomUUID(), clientAddress: '127.0.0.1', callerId: userId },
  )
  return appRouter.createCaller(context)
}

/** Gives `userId` `grants` through a role of the run's own. */
async function grant(trx: TrellisDatabase, userId: string, grants: Record<string, 'OWNED' | 'ALL'>) {
  const roleId = await createRole(trx, `bench-totals-${randomUUID().slice(0, 8)}`, { grants })
  if (!roleId) throw new Error('A bench role name was taken twice')
  await bindRole(trx, { userId, roleId, scope: null })
}

const report: string[] = []
/** Times the sides of one case; each side must answer `same` alike. */
async function measure(name: string, sides: Record<string, Timed>, iterations: number) {
  const results = await sampleLatencies(sides, WARMUP, iterations)
  const line = (side: string, { p50, p99 }: LatencySummary) =>
    `  ${side.padEnd(12)} p50 ${p50.toFixed(1).padStart(9)} ms   p99 ${p99.toFixed(1).padStart(9)} ms`
  report.push(`${name} (${iterations} iterations, load ${loadavg()[0]!.toFixed(2)})`)
  for (const [side, summary] of Object.entries(results)) report.push(line(side, summary))
  console.log(report.slice(-1 - Object.keys(results).length).join('\n'))
}

function expectSame(name: string, ours: unknown, handWritten: unknown) {
  if (JSON.stringify(ours) !== JSON.stringify(handWritten)) {
    throw new Error(`${name}: ours ${JSON.stringify(ours)} but hand-written ${JSON.stringify(handWritten)}`)
  }
}

await db
  .transaction()
  .execute(async (trx) => {
    const actor = await trx
      .selectFrom('users')
      .select(['id', 'path'])
      .where('id', '=', meta.actorId)
      .executeTakeFirstOrThrow()
    await trx
      .updateTable('entity_types')
      .set({ schema: JSON.stringify(SCHEMA) })
      .where('name', '=', TYPE)
      .execute()
    const everyone = meta.moveUserId // any user: at ALL who it is does not matter
    await grant(trx, actor.id, { [`${TYPE}.read`]: 'OWNED' })
    await grant(trx, everyone, { [`${TYPE}.read`]: 'ALL' })
    const asActor = callerOn(trx, actor.id)
    const asEveryone = callerOn(trx, everyone)
    const [lower, upper] = subtreeRange(actor.path)

    // The records the actor reads: owned in the subtree, or with a payee there and owned elsewhere.
    const visible = (within: boolean) =>
      within
        ? sql`
          select r.data, r.created_at from records r
          where r.owner_path >= ${lower} and r.owner_path < ${upper}
          union all
          select r.data, r.created_at from records r
          where r.id in (select p.record_id from record_parties p
                         where p.party = ${PARTY_NAME} and p.user_path >= ${lower} and p.user_path < ${upper})
            and not (r.owner_path >= ${lower} and r.owner_path < ${upper})`
        : sql`select r.data, r.created_at from records r`
    const handSum = async (within: boolean) => {
      const { rows } = await sql<{ count: string; sum: string }>`
        select count(*)::text as count, sum((data ->> 'seq')::numeric)::text as sum from (${visible(within)}) v
      `.execute(trx)
      return { count: Number(rows[0]!.count), sum: Number(rows[0]!.sum) }
    }
    const ourSum = async (caller: typeof asActor) => {
      const { count, sum } = await caller.records.aggregate({ entityType: TYPE, sum: ['seq'] })
      return { count, sum: sum.seq }
    }
    expectSame('sum at OWNED', await ourSum(asActor), await handSum(true))
    await measure(
      'records.aggregate: count and sum of seq over a ~100k-user subtree (OWNED)',
      { ours: () => ourSum(asActor), handWritten: () => handSum(true) },
      ITERATIONS,
    )

    const handMonths = async () => {
      const { rows } = await sql<{ month: Date; count: string }>`
        select date_trunc('month', created_at, 'UTC') as month, count(*)::text as count
        from (${visible(true)}) v group by 1 order by 1
      `.execute(trx)
      return rows.map((row) => [row.month.toISOString(), Number(row.count)])
    }
    const ourMonths = async () => {
      const { groups } = await asActor.records.aggregate({ entityType: TYPE, groupBy: { bucket: 'month' } })
      return groups!.map((group) => [group.key, group.count])
    }
    expectSame('per month at OWNED', await ourMonths(), await handMonths())
    await measure(
      'records.aggregate: count per month over the same subtree (OWNED)',
      { ours: ourMonths, handWritten: handMonths },
      ITERATIONS,
    )

    const handTotal = async (within: boolean) => {
      const { rows } = await sql<{ count: number }>`
        select count(*)::int as count from (select 1 from (${visible(within)}) v limit ${TOTAL_CAP + 1}) capped
      `.execute(trx)
      const count = rows[0]!.count
      return count > TOTAL_CAP ? { count: TOTAL_CAP, exact: false } : { count, exact: true }
    }
    const ourTotal = async (caller: typeof asActor) =>
      (await caller.records.list({ entityType: TYPE, limit: 50, withTotal: true })).total
    const ourPage = async (caller: typeof asActor) =>
      (await caller.records.list({ entityType: TYPE, limit: 50 })).items.length
    for (const [scope, caller, within] of [
      ['OWNED', asActor, true],
      ['ALL', asEveryone, false],
    ] as const) {
      expectSame(`list total at ${scope}`, await ourTotal(caller), await handTotal(within))
      await measure(
        `records.list at ${scope}: first page with withTotal (capped at ${TOTAL_CAP}), without, and the hand-written capped count`,
        {
          withTotal: () => ourTotal(caller),
          pageOnly: () => ourPage(caller),
          handCount: () => handTotal(within),
        },
        ITERATIONS,
      )
    }

    expectSame('sum at ALL', await ourSum(asEveryone), await handSum(false))
    await measure(
      'records.aggregate: count and sum of seq over all 10M records (ALL)',
      { ours: () => ourSum(asEveryone), handWritten: () => handSum(false) },
      ALL_ITERATIONS,
    )
    throw new RollBack()
  })
  .catch((error: unknown) => {
    if (!(error instanceof RollBack)) throw error
  })
await db.destroy()
console.log(`\n${report.join('\n')}`)
