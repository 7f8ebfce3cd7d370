import { type SqlBool, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrellisDatabase } from '../schema/database.js'
import {
  clearUsers,
  createTestDatabase,
  growSubtree,
  insertNamedTree,
  type TestDatabase,
} from '../testing/index.js'
import { userWithinSubtree } from './level-filter.js'
import {
  PARTY_UNION_BELOW_USERS,
  PARTY_UNION_FROM_USERS,
  partiesPagedApart,
  RECORDS_WALK_FROM_USERS,
  recordsNewestFirst,
} from './newest-records.js'
import { USERS_WALK_FROM_USERS, usersNewestFirst, usersShaped } from './newest-users.js'

/** Whether a page read from `reach` walks the newest records (its owner path hidden from its index). */
async function recordsWalk(db: TrellisDatabase, reach: string | null): Promise<boolean> {
  const query = db
    .selectFrom(await recordsNewestFirst(db, reach))
    .select('records.id')
    .compile()
  return query.sql.includes(`records.owner_path || ''`)
}

/** Whether a page read from `reach` walks the newest users (their path hidden from its index). */
async function usersWalk(db: TrellisDatabase, reach: string | null): Promise<boolean> {
  const query = db
    .selectFrom(await usersNewestFirst(db, reach))
    .select('users.id')
    .compile()
  return query.sql.includes(`users.path || ''`)
}

describe('newest-first pages, shaped by the subtree size', () => {
  let test: TestDatabase
  let db: TrellisDatabase
  /** Path by name: each `at…` subtree holds exactly its threshold of users, each `below…` one fewer, `lone` one. */
  const path: Record<string, string> = {}

  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
    await clearUsers(db)
    const ids = await insertNamedTree(db, {
      atRecords: null,
      belowRecords: null,
      atUsers: null,
      belowUsers: null,
      atParties: null,
      belowParties: null,
      lone: null,
    })
    await growSubtree(db, ids.atRecords, RECORDS_WALK_FROM_USERS, 'at-records')
    await growSubtree(db, ids.belowRecords, RECORDS_WALK_FROM_USERS - 1, 'below-records')
    await growSubtree(db, ids.atUsers, USERS_WALK_FROM_USERS, 'at-users')
    await growSubtree(db, ids.belowUsers, USERS_WALK_FROM_USERS - 1, 'below-users')
    await growSubtree(db, ids.atParties, PARTY_UNION_BELOW_USERS, 'at-parties')
    await growSubtree(db, ids.belowParties, PARTY_UNION_BELOW_USERS - 1, 'below-parties')
    for (const name of Object.keys(ids) as (keyof typeof ids)[]) {
      path[name] = (
        await db.selectFrom('users').select('path').where('id', '=', ids[name]).executeTakeFirstOrThrow()
      ).path
    }
  }, 60_000)
  afterAll(() => test.dispose())

  it('walks the newest records for all records and for a subtree of RECORDS_WALK_FROM_USERS users', async () => {
    for (const reach of [null, path.atRecords!, path.atUsers!])
      expect(await recordsWalk(db, reach)).toBe(true)
    for (const reach of [path.belowRecords!, path.lone!]) expect(await recordsWalk(db, reach)).toBe(false)
  })

  it('pages the party half of a records page apart below PARTY_UNION_BELOW_USERS users', async () => {
    // The caller alone (SELF) and small subtrees; PARTY_UNION_FROM_USERS is too many users to grow here.
    expect(PARTY_UNION_FROM_USERS).toBeGreaterThan(RECORDS_WALK_FROM_USERS)
    for (const reach of [null, path.belowParties!, path.lone!])
      expect(await partiesPagedApart(db, reach)).toBe(true)
    for (const reach of [path.atParties!, path.atRecords!])
      expect(await partiesPagedApart(db, reach)).toBe(false)
  })

  it('walks the newest users for all users and for a subtree of USERS_WALK_FROM_USERS users', async () => {
    for (const reach of [null, path.atUsers!]) expect(await usersWalk(db, reach)).toBe(true)
    for (const reach of [path.belowUsers!, path.atRecords!, path.lone!])
      expect(await usersWalk(db, reach)).toBe(false)
  })

  it('gives the same user pages in both shapes, filtered and after a cursor', async () => {
    /** Every page of 200 of the subtree at `reach` (null: everyone), in one shape. */
    async function pages(walk: boolean, reach: string | null, kind?: 'service'): Promise<string[][]> {
      const all: string[][] = []
      let after: { created_at: Date; id: string } | undefined
      for (;;) {
        let query = db
          .selectFrom(usersShaped(db, walk))
          .select(['users.id', 'users.created_at'])
          .where('users.status', '=', 'active')
          .orderBy('users.created_at', 'desc')
          .orderBy('users.id', 'desc')
          .limit(200)
        if (reach) query = query.where(userWithinSubtree('users', reach))
        if (kind) query = query.where('users.kind', '=', kind)
        const cursor = after
        if (cursor)
          query = query.where(
            sql<SqlBool>`(users.created_at, users.id) < (${cursor.created_at}, ${cursor.id})`,
          )
        const page = await query.execute()
        all.push(page.map((row) => row.id))
        if (page.length < 200) return all
        after = page.at(-1)!
      }
    }
    for (const reach of [path.atUsers!, path.belowUsers!, null]) {
      for (const kind of [undefined, 'service'] as const) {
        const read = await pages(false, reach, kind)
        const walked = await pages(true, reach, kind)
        expect(walked).toEqual(read)
        // Active only: every fifth child is invited; the roots are active.
        expect(read.flat().length).toBeGreaterThan(kind ? 400 : 1_500)
      }
    }
  }, 120_000)
})
