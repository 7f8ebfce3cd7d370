import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabase } from './create-database.js'
import type { TrellisDatabase } from './schema/database.js'

// PGlite has one connection; concurrent callers (HTTP requests) must still get isolated
// transactions. kysely guards it with a connection mutex: this keeps that guarantee tested.
describe('the embedded database under concurrent callers', () => {
  let db: TrellisDatabase
  beforeAll(async () => {
    db = await createDatabase()
    await sql`create table counter (n int not null)`.execute(db)
    await sql`insert into counter values (0)`.execute(db)
  })
  afterAll(() => db.destroy())

  it('runs concurrent read-modify-write transactions one after the other', async () => {
    const increment = () =>
      db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx)
        await sleep(10)
        await sql`update counter set n = ${rows[0]!.n + 1}`.execute(trx)
      })
    await Promise.all([increment(), increment(), increment()])
    const { rows } = await sql<{ n: number }>`select n from counter`.execute(db)
    expect(rows[0]!.n).toBe(3)
  })

  it('keeps a query outside a transaction out of a rolled-back one', async () => {
    const failing = db
      .transaction()
      .execute(async (trx) => {
        await sql`update counter set n = 100`.execute(trx)
        await sleep(20)
        throw new Error('roll back')
      })
      .catch(() => undefined)
    const outside = sql`insert into counter values (7)`.execute(db)
    await Promise.all([failing, outside])
    const { rows } = await sql<{ n: number }>`select n from counter order by n`.execute(db)
    expect(rows.map((row) => row.n)).toEqual([3, 7])
  })
})
