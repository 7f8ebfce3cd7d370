import type { Level } from '@trellis/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { toCount } from '../count.js'
import type { TrellisDatabase } from '../schema/database.js'
import {
  clearUsers,
  createTestDatabase,
  insertNamedTree,
  type TestDatabase,
  testEntityTypeId,
} from '../testing/index.js'
import { moveSubtree } from '../tree/move-subtree.js'
import {
  type Actor,
  ownerWithinLevel,
  ownerWithinSubtree,
  userWithinLevel,
  userWithinSubtree,
} from './level-filter.js'

// issuer → dev → merchantA → consumer1, dev → merchantB, issuer → dev2, and a second root `other`.
const TREE = {
  issuer: null,
  dev: 'issuer',
  merchantA: 'dev',
  consumer1: 'merchantA',
  merchantB: 'dev',
  dev2: 'issuer',
  other: null,
} as const
type Name = keyof typeof TREE
const NAMES = Object.keys(TREE) as Name[]

describe('level filters on a named tree', () => {
  let test: TestDatabase
  let db: TrellisDatabase
  /** User id by name, and the id of the one record each user owns. */
  let user: Record<Name, string>
  let record: Record<Name, string>

  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
  })
  afterAll(() => test.dispose())

  beforeEach(async () => {
    await clearUsers(db)
    user = await insertNamedTree(db, TREE)
    const entity_type_id = await testEntityTypeId(db)
    const rows = await db
      .insertInto('records')
      .values(NAMES.map((name) => ({ owner_id: user[name], entity_type_id, data: { name } })))
      .returning(['id', 'owner_id'])
      .execute()
    record = {} as Record<Name, string>
    for (const name of NAMES) record[name] = rows.find((row) => row.owner_id === user[name])!.id
  })

  const actorOf = (name: Name): Promise<Actor> =>
    db.selectFrom('users').select(['id', 'path']).where('id', '=', user[name]).executeTakeFirstOrThrow()

  /** Names of the users visible to `name` at `level`, through the users filter. */
  async function visibleUsers(name: Name, level: Level): Promise<Name[]> {
    const actor = await actorOf(name)
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where(userWithinLevel('users', actor, level))
      .execute()
    return namesOf(
      user,
      rows.map((row) => row.id),
    )
  }

  /** Names of the owners of the records visible to `name` at `level`, through the owner filter. */
  async function visibleRecords(name: Name, level: Level): Promise<Name[]> {
    const actor = await actorOf(name)
    const rows = await db
      .selectFrom('records')
      .select('id')
      .where(ownerWithinLevel('records.owner_id', actor, level))
      .execute()
    return namesOf(
      record,
      rows.map((row) => row.id),
    )
  }

  /** Both filters must agree: a user's own row and its records are visible together. */
  async function visible(name: Name, level: Level): Promise<Name[]> {
    const users = await visibleUsers(name, level)
    expect(await visibleRecords(name, level)).toEqual(users)
    return users
  }

  it('SELF sees only the actor', async () => {
    for (const name of NAMES) expect(await visible(name, 'SELF')).toEqual([name])
  })

  it('ALL sees every user and record, roots of other trees included', async () => {
    for (const name of NAMES) expect(await visible(name, 'ALL')).toEqual([...NAMES].sort())
  })

  it('OWNED sees the actor and its descendants, and nothing of the sibling subtrees', async () => {
    expect(await visible('dev', 'OWNED')).toEqual(['consumer1', 'dev', 'merchantA', 'merchantB'])
    expect(await visible('merchantA', 'OWNED')).toEqual(['consumer1', 'merchantA'])
    expect(await visible('consumer1', 'OWNED')).toEqual(['consumer1'])
    expect(await visible('dev2', 'OWNED')).toEqual(['dev2'])
  })

  it('UNION sees the parent and the parent’s whole subtree', async () => {
    expect(await visible('merchantA', 'UNION')).toEqual(['consumer1', 'dev', 'merchantA', 'merchantB'])
    expect(await visible('consumer1', 'UNION')).toEqual(['consumer1', 'merchantA'])
    expect(await visible('dev2', 'UNION')).toEqual([
      'consumer1',
      'dev',
      'dev2',
      'issuer',
      'merchantA',
      'merchantB',
    ])
  })

  it('gives root users every level, UNION being the same as OWNED', async () => {
    const issuerTree = ['consumer1', 'dev', 'dev2', 'issuer', 'merchantA', 'merchantB']
    expect(await visible('issuer', 'SELF')).toEqual(['issuer'])
    expect(await visible('issuer', 'OWNED')).toEqual(issuerTree)
    expect(await visible('issuer', 'UNION')).toEqual(issuerTree)
    expect(await visible('issuer', 'ALL')).toEqual([...NAMES].sort())
    expect(await visible('other', 'SELF')).toEqual(['other'])
    expect(await visible('other', 'OWNED')).toEqual(['other'])
    expect(await visible('other', 'UNION')).toEqual(['other'])
    expect(await visible('other', 'ALL')).toEqual([...NAMES].sort())
  })

  it('counts under the filter what it lists', async () => {
    const actor = await actorOf('dev')
    const row = await db
      .selectFrom('records')
      .select((eb) => eb.fn.countAll().as('count'))
      .where(ownerWithinLevel('records.owner_id', actor, 'OWNED'))
      .executeTakeFirstOrThrow()
    expect(toCount(row.count)).toBe(4)
  })

  it('shows a user moved between two calls the new set on the second call', async () => {
    expect(await visible('merchantA', 'UNION')).toEqual(['consumer1', 'dev', 'merchantA', 'merchantB'])
    expect(await visible('dev', 'OWNED')).toEqual(['consumer1', 'dev', 'merchantA', 'merchantB'])

    await db.transaction().execute((trx) => moveSubtree(trx, user.merchantA, user.dev2))

    expect(await visible('merchantA', 'UNION')).toEqual(['consumer1', 'dev2', 'merchantA'])
    expect(await visible('merchantA', 'OWNED')).toEqual(['consumer1', 'merchantA'])
    expect(await visible('consumer1', 'UNION')).toEqual(['consumer1', 'merchantA'])
    expect(await visible('dev', 'OWNED')).toEqual(['dev', 'merchantB'])
    expect(await visible('dev2', 'OWNED')).toEqual(['consumer1', 'dev2', 'merchantA'])
    expect(await visible('merchantB', 'UNION')).toEqual(['dev', 'merchantB'])
  })

  it('shows a subtree moved to be a root only to itself, and its old parent no longer', async () => {
    await db.transaction().execute((trx) => moveSubtree(trx, user.merchantA, null))
    expect(await visible('merchantA', 'UNION')).toEqual(['consumer1', 'merchantA'])
    expect(await visible('issuer', 'OWNED')).toEqual(['dev', 'dev2', 'issuer', 'merchantB'])
  })

  it('keeps a deactivated owner and its records in the set: status does not change visibility', async () => {
    await db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', user.merchantA).execute()
    expect(await visible('dev', 'OWNED')).toEqual(['consumer1', 'dev', 'merchantA', 'merchantB'])
    expect(await visible('consumer1', 'UNION')).toEqual(['consumer1', 'merchantA'])
    expect(await visible('merchantA', 'SELF')).toEqual(['merchantA'])
  })

  it('does not take a root whose node is a prefix of another’s for an ancestor', async () => {
    // Explicit nodes, so `/500/` and `/5005/` exist whatever the sequence has reached:
    // a plain prefix match (LIKE '/500%') would wrongly put one inside the other.
    await db
      .insertInto('users')
      .values([
        {
          email: 'n500@example.com',
          kind: 'person',
          status: 'active',
          parent_id: null,
          node: '500',
          path: '/500/',
        },
        {
          email: 'n5005@example.com',
          kind: 'person',
          status: 'active',
          parent_id: null,
          node: '5005',
          path: '/5005/',
        },
        {
          email: 'n50051@example.com',
          kind: 'person',
          status: 'active',
          parent_id: null,
          node: '50051',
          path: '/50051/',
        },
      ])
      .execute()
    const rows = await db
      .selectFrom('users')
      .select(['id', 'email', 'path'])
      .where('node', 'in', ['500', '5005'])
      .execute()
    for (const row of rows) {
      const seen = await db
        .selectFrom('users')
        .select('email')
        .where(userWithinLevel('users', row, 'OWNED'))
        .execute()
      expect(seen.map((seenRow) => seenRow.email)).toEqual([row.email])
    }
  })

  describe('compiled SQL', () => {
    const actor: Actor = { id: '7b0c7c2e-7f39-4a57-9a8e-6c7d0f1e2a3b', path: '/1/57/' }
    const recordsAt = (level: Level, who: Actor = actor) =>
      db
        .selectFrom('records')
        .select('id')
        .where(ownerWithinLevel('records.owner_id', who, level))
        .compile()
    const usersAt = (level: Level, who: Actor = actor) =>
      db
        .selectFrom('users')
        .select('id')
        .where(userWithinLevel('users', who, level))
        .compile()

    it('is a constant for ALL and one bound id for SELF', () => {
      expect(recordsAt('ALL').sql).toBe('select "id" from "records" where true')
      expect(recordsAt('ALL').parameters).toEqual([])
      expect(recordsAt('SELF').sql).toBe('select "id" from "records" where "records"."owner_id" = $1')
      expect(recordsAt('SELF').parameters).toEqual([actor.id])
      expect(usersAt('SELF').sql).toBe('select "id" from "users" where "users"."id" = $1')
      expect(usersAt('SELF').parameters).toEqual([actor.id])
    })

    it('is one bound path range for OWNED and UNION, the parent’s for UNION', () => {
      expect(recordsAt('OWNED').sql).toBe(
        'select "id" from "records" where ("records"."owner_path" >= $1 and "records"."owner_path" < $2)',
      )
      expect(recordsAt('OWNED').parameters).toEqual(['/1/57/', '/1/570'])
      // A table without its owner's path ranges over the owners' paths in users.
      const subquery = 'select u.id from users u where u.path >= $1 and u.path < $2'
      const auditOwned = db
        .selectFrom('audit_events')
        .select('id')
        .where(ownerWithinLevel('audit_events.owner_id', actor, 'OWNED'))
        .compile()
      expect(auditOwned.sql).toBe(
        `select "id" from "audit_events" where "audit_events"."owner_id" in (${subquery})`,
      )
      expect(auditOwned.parameters).toEqual(['/1/57/', '/1/570'])
      expect(recordsAt('UNION').sql).toBe(recordsAt('OWNED').sql)
      expect(recordsAt('UNION').parameters).toEqual(['/1/', '/10'])
      expect(usersAt('OWNED').sql).toBe(
        'select "id" from "users" where ("users"."path" >= $1 and "users"."path" < $2)',
      )
      expect(usersAt('OWNED').parameters).toEqual(['/1/57/', '/1/570'])
      expect(usersAt('UNION').parameters).toEqual(['/1/', '/10'])
    })

    it('binds a root’s own range for UNION', () => {
      const root: Actor = { id: actor.id, path: '/1/' }
      expect(recordsAt('UNION', root).parameters).toEqual(['/1/', '/10'])
      expect(usersAt('UNION', root).parameters).toEqual(['/1/', '/10'])
    })

    it('never interpolates the path or the id into the SQL text', async () => {
      const hostile: Actor = { id: actor.id, path: "/1/'); drop table users; --/" }
      for (const level of ['SELF', 'OWNED', 'UNION'] as const) {
        for (const query of [recordsAt(level, hostile), usersAt(level, hostile)]) {
          expect(query.sql).not.toContain('drop table')
          expect(query.sql).not.toContain(actor.id)
          expect(query.sql).not.toContain('/1/')
          expect(query.parameters.length).toBeGreaterThan(0)
        }
      }
      // Run for real: matches nothing, drops nothing.
      const rows = await db
        .selectFrom('records')
        .select('id')
        .where(ownerWithinLevel('records.owner_id', hostile, 'OWNED'))
        .execute()
      expect(rows).toEqual([])
      const users = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('count'))
        .executeTakeFirstOrThrow()
      expect(toCount(users.count)).toBe(NAMES.length)
    })
  })

  // list-records' subtreeOf once hand-copied this SQL; it now shares the one filter.
  it('ownerWithinSubtree keeps the records of a user and its descendants only', async () => {
    const root = await actorOf('merchantA')
    const rows = await db
      .selectFrom('records')
      .select('id')
      .where(ownerWithinSubtree('records.owner_id', root.path))
      .execute()
    expect(
      namesOf(
        record,
        rows.map((row) => row.id),
      ),
    ).toEqual(['consumer1', 'merchantA'])
  })

  // list-users' subtreeOf once built this range itself; it now shares the one filter.
  it('userWithinSubtree keeps a user and its descendants only', async () => {
    const root = await actorOf('dev')
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where(userWithinSubtree('users', root.path))
      .execute()
    expect(
      namesOf(
        user,
        rows.map((row) => row.id),
      ),
    ).toEqual(['consumer1', 'dev', 'merchantA', 'merchantB'])
  })
})

/** The names whose ids are in `ids`, sorted. */
function namesOf(byName: Record<Name, string>, ids: readonly string[]): Name[] {
  const nameOf = new Map(NAMES.map((name) => [byName[name], name]))
  return ids.map((id) => nameOf.get(id) ?? (`unknown ${id}` as Name)).sort()
}
