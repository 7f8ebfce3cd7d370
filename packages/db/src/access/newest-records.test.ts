import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrellisDatabase } from '../schema/database.js'
import { clearUsers, createTestDatabase, insertNamedTree, type TestDatabase } from '../testing/index.js'
import { recordsNewestFirst, WALK_FROM_USERS } from './newest-records.js'

/** Whether a page read from `reach` walks the newest records (its owner path hidden from its index). */
async function walks(db: TrellisDatabase, reach: string | null): Promise<boolean> {
  const query = db
    .selectFrom(await recordsNewestFirst(db, reach))
    .select('records.id')
    .compile()
  return query.sql.includes(`records.owner_path || ''`)
}

describe('recordsNewestFirst', () => {
  let test: TestDatabase
  let db: TrellisDatabase
  /** Path by name: `big` holds exactly WALK_FROM_USERS users, `almost` one fewer, `lone` itself. */
  const path: Record<string, string> = {}

  /** Gives the root `name` children up to a subtree of `size` users, in one statement. */
  async function grow(name: string, size: number): Promise<void> {
    await sql`
      with nodes as (
        select nextval(pg_get_serial_sequence('users', 'node')) as node from generate_series(1, ${size - 1}::int)
      )
      insert into users (email, kind, status, parent_id, node, path)
      select ${name} || node || '@example.com', 'person', 'active',
             (select id from users where path = ${path[name]!}), node, ${path[name]!} || node || '/'
      from nodes
    `.execute(db)
  }

  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
    await clearUsers(db)
    await insertNamedTree(db, { big: null, almost: null, lone: null })
    for (const row of await db.selectFrom('users').select(['email', 'path']).execute()) {
      path[row.email.replace('@example.com', '')] = row.path
    }
    await grow('big', WALK_FROM_USERS)
    await grow('almost', WALK_FROM_USERS - 1)
  })
  afterAll(() => test.dispose())

  it('walks the newest records for all records and for a subtree of WALK_FROM_USERS users', async () => {
    expect(await walks(db, null)).toBe(true)
    expect(await walks(db, path.big!)).toBe(true)
  })

  it('reads a subtree of fewer users whole', async () => {
    expect(await walks(db, path.almost!)).toBe(false)
    expect(await walks(db, path.lone!)).toBe(false)
  })
})
