// The access decision itself (roles → effective grant for one permission), in process:
// from the warm in-memory snapshot, against the same decision computed by one hand-written
// SQL query (the baseline, measured in the same run). Run: pnpm --filter @trellis/bench run decision
import { performance } from 'node:perf_hooks'
import { prepareDatabase, silentLogger } from '@trellis/api'
import { accessCacheOf } from '@trellis/api/testing'
import { broadestLevel, type Grant, type Level, PUBLIC_ROLE } from '@trellis/core'
import { createDatabase, insertUser, type TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000)
const QUERY_ITERATIONS = Math.min(ITERATIONS, 2_000)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
}

async function time(label: string, runs: number, work: () => unknown) {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await work()
    samples.push((performance.now() - start) * 1000)
  }
  samples.sort((a, b) => a - b)
  const result = { label, p50: percentile(samples, 50), p99: percentile(samples, 99) }
  console.log(
    `${label.padEnd(34)} p50 ${result.p50.toFixed(2).padStart(9)} µs   p99 ${result.p99.toFixed(2).padStart(9)} µs`,
  )
  return result
}

/** The baseline: the public role's and the caller's unscoped grants of one permission, in one query. */
async function decisionBySql(db: TrellisDatabase, callerId: string, permission: string) {
  const { rows } = await sql<{ level: Level | null }>`
    select g.level from role_grants g join roles r on r.id = g.role_id
    where g.permission = ${permission}
      and (r.name = ${PUBLIC_ROLE}
        or exists (select 1 from user_roles b where b.role_id = r.id and b.user_id = ${callerId} and b.scope is null))
  `.execute(db)
  if (rows.length === 0) return undefined
  if (rows.some((row) => row.level === null)) return true as Grant
  return broadestLevel(rows.map((row) => row.level as Level))
}

const db = process.env.DATABASE_URL
  ? await createDatabase({ databaseUrl: process.env.DATABASE_URL, schema: `bench_${process.pid}` })
  : await createDatabase()
try {
  const admin = await prepareDatabase(
    db,
    { adminEmail: 'bench@example.com', adminPassword: 'bench password 1' },
    silentLogger,
  )
  if (!admin.created) throw new Error('expected an empty database')
  // A caller with several roles, one of them scoped, so the decision has real work to do.
  const caller = await db.transaction().execute((trx) =>
    insertUser(trx, {
      email: 'caller@example.com',
      kind: 'person',
      status: 'active',
      parent_id: admin.userId,
    }),
  )
  for (const [name, level, scope] of [
    ['reader', 'SELF', null],
    ['editor', 'OWNED', null],
    ['regional', 'UNION', 'entityType:cars'],
  ] as const) {
    const role = await db.insertInto('roles').values({ name }).returning('id').executeTakeFirstOrThrow()
    await db.insertInto('role_grants').values({ role_id: role.id, permission: 'users.read', level }).execute()
    await db.insertInto('user_roles').values({ user_id: caller.id, role_id: role.id, scope }).execute()
  }
  const snapshot = await accessCacheOf(db).current(db)
  const facts = await snapshot.caller(db, caller.id)
  if (snapshot.decide(facts, 'users.read') !== (await decisionBySql(db, caller.id, 'users.read'))) {
    throw new Error('the cached decision disagrees with the database')
  }

  console.log(`engine: ${process.env.DATABASE_URL ? 'postgres' : 'pglite'}, node ${process.version}`)
  const cached = await time('decision, warm snapshot', ITERATIONS, () => snapshot.decide(facts, 'users.read'))
  const query = await time('decision, one SQL query (baseline)', QUERY_ITERATIONS, () =>
    decisionBySql(db, caller.id, 'users.read'),
  )
  console.log(
    `ratio baseline/cached (p50): ${(query.p50 / cached.p50).toFixed(1)}x   target: cached p50 ≤ 20 µs`,
  )
} finally {
  if (process.env.DATABASE_URL) {
    const { sql } = await import('kysely')
    await sql`drop schema if exists ${sql.id(`bench_${process.pid}`)} cascade`.execute(db)
  }
  await db.destroy()
}
