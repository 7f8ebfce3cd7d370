// Issue 13, target 5: what moving the 10k-user subtree costs, statement by statement.
// EXPLAIN (ANALYZE, BUFFERS) of the two path rewrites a move makes (users, then the records'
// owner_path), each in a transaction rolled back, then whole moves by moveSubtree, committed
// (there and back), each after a checkpoint so one move's dirty pages do not bill the next.
// Prints shared_buffers, the indexes each rewrite must update and the load average.
// Run: cd bench && pnpm exec tsx tree-scale/move-cost.ts
// Settings: SCALE_SERVER_URL (another cluster, e.g. one with a large shared_buffers),
// SCALE_MOVES (2, even), SCALE_LABEL (names results/move-cost-<label>.json; default "default").
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { moveSubtree, subtreeRange, type TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import { openScaleDatabase, readBenchMeta } from './scale-database.js'

const MOVES = Number(process.env.SCALE_MOVES ?? 2)
const LABEL = process.env.SCALE_LABEL ?? 'default'
const RESULTS_DIR = new URL('./results/', import.meta.url)

const db = await openScaleDatabase()
const meta = await readBenchMeta(db)
if (!meta) throw new Error('trellis_scale holds no complete dataset: run tree-scale/load-dataset.ts first')
const startLoad = loadavg()[0]!

const setting = async (name: string) =>
  (await sql<{ value: string }>`select current_setting(${name}) as value`.execute(db)).rows[0]!.value
const indexesOf = async (table: string) =>
  (
    await sql<{ name: string; mb: number }>`
      select indexrelid::regclass::text as name, round(pg_relation_size(indexrelid) / 1048576.0)::int as mb
      from pg_index where indrelid = ${table}::regclass order by 1`.execute(db)
  ).rows

const pathOf = async (id: string) =>
  (await db.selectFrom('users').select(['path', 'node']).where('id', '=', id).executeTakeFirstOrThrow()) as {
    path: string
    node: string
  }

/** EXPLAIN (ANALYZE, BUFFERS) of one statement in a transaction that is rolled back. */
async function explainRolledBack(db: TrellisDatabase, statement: ReturnType<typeof sql>): Promise<string> {
  let plan = ''
  await db
    .transaction()
    .execute(async (trx) => {
      const rows = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers) ${statement}`.execute(trx)
      plan = rows.rows.map((row) => row['QUERY PLAN']).join('\n')
      throw new RollBack()
    })
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error
    })
  return plan
}
class RollBack extends Error {}

const moved = await pathOf(meta.moveUserId)
const from = await pathOf(meta.moveFromParentId)
const to = await pathOf(meta.moveToParentId)
if (!moved.path.startsWith(from.path))
  throw new Error('the moved subtree is not under moveFromParentId: move it back first')
const [lower, upper] = subtreeRange(moved.path)
const newPath = `${to.path}${moved.node}/`
const rebase = (column: string) => sql`${newPath} || substr(${sql.ref(column)}, ${moved.path.length + 1})`
const rewrites = {
  users: sql`update users set path = ${rebase('path')} where path >= ${lower} and path < ${upper}`,
  records: sql`update records set owner_path = ${rebase('owner_path')} where owner_path >= ${lower} and owner_path < ${upper}`,
}
const explains: Record<string, string> = {}
for (const [table, statement] of Object.entries(rewrites)) {
  await sql`checkpoint`.execute(db)
  explains[table] = await explainRolledBack(db, statement)
  const time = /Execution Time: ([\d.]+) ms/.exec(explains[table])?.[1]
  console.log(`rewrite of ${table} (rolled back): ${time} ms, load ${loadavg()[0]!.toFixed(2)}`)
}

const moves: number[] = []
let under = meta.moveFromParentId
for (let i = 0; i < MOVES; i++) {
  const target = under === meta.moveFromParentId ? meta.moveToParentId : meta.moveFromParentId
  await sql`checkpoint`.execute(db)
  const started = performance.now()
  await db.transaction().execute((trx) => moveSubtree(trx, meta.moveUserId, target))
  moves.push(performance.now() - started)
  under = target
  console.log(`move ${i + 1}: ${moves.at(-1)!.toFixed(0)} ms, load ${loadavg()[0]!.toFixed(2)}`)
}
await sql`vacuum users, records`.execute(db)

const result = {
  label: LABEL,
  sharedBuffers: await setting('shared_buffers'),
  loadAverage: { start: startLoad, end: loadavg()[0]! },
  indexes: { users: await indexesOf('users'), records: await indexesOf('records') },
  movesMs: moves,
  explains,
}
console.log(
  `shared_buffers ${result.sharedBuffers}; users ${result.indexes.users.length} indexes, records ${result.indexes.records.length}; moves ${moves.map((ms) => ms.toFixed(0)).join(', ')} ms; load ${startLoad.toFixed(2)} → ${result.loadAverage.end.toFixed(2)}`,
)
for (const [table, plan] of Object.entries(explains)) console.log(`\n${table}:\n${plan}`)
await mkdir(RESULTS_DIR, { recursive: true })
await writeFile(new URL(`move-cost-${LABEL}.json`, RESULTS_DIR), `${JSON.stringify(result, null, 2)}\n`)
await db.destroy()
