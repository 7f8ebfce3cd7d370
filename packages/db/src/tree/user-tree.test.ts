import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Database, TrellisDatabase } from '../schema/database.js'
import {
  clearUsers,
  createTestDatabase,
  insertNamedTree,
  recordsWithStaleOwnerPath,
  type TestDatabase,
  testEntityTypeId,
} from '../testing/index.js'
import { deleteUser } from './delete-user.js'
import { insertUser } from './insert-user.js'
import { moveSubtree } from './move-subtree.js'
import { UserTreeError, type UserTreeErrorCode } from './user-tree-error.js'

// root → a → a1 → a11, a → a2, root → b, and a second root `lone` with nothing under it.
const TREE = { root: null, a: 'root', a1: 'a', a11: 'a1', a2: 'a', b: 'root', lone: null } as const
type Name = keyof typeof TREE
const NAMES = Object.keys(TREE) as Name[]

describe('the user tree', () => {
  let test: TestDatabase
  let db: TrellisDatabase
  let user: Record<Name, string>

  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
  })
  afterAll(() => test.dispose())

  beforeEach(async () => {
    await clearUsers(db)
    await db.deleteFrom('roles').execute()
    user = await insertNamedTree(db, TREE)
  })

  const nameOf = (id: string | null): Name | null =>
    id === null ? null : (NAMES.find((name) => user[name] === id) ?? (`unknown ${id}` as Name))

  /** Each remaining user's parent, by name. */
  async function parents(): Promise<Partial<Record<Name, Name | null>>> {
    const rows = await db.selectFrom('users').select(['id', 'parent_id']).execute()
    return Object.fromEntries(rows.map((row) => [nameOf(row.id), nameOf(row.parent_id)]))
  }

  /** Everything a refused change must leave alone: users' parents and paths, records' owners. */
  async function snapshot() {
    return {
      users: await db.selectFrom('users').select(['id', 'parent_id', 'path', 'node']).orderBy('id').execute(),
      records: await db
        .selectFrom('records')
        .select(['id', 'owner_id', 'owner_path'])
        .orderBy('id')
        .execute(),
    }
  }

  /** Every path is the nodes of the user's ancestors and its own, in order; every record carries its owner's. */
  async function expectPathsMatchParents(): Promise<void> {
    expect(await recordsWithStaleOwnerPath(db)).toEqual([])
    const rows = await db.selectFrom('users').select(['id', 'parent_id', 'node', 'path']).execute()
    const byId = new Map(rows.map((row) => [row.id, row]))
    for (const row of rows) {
      const nodes: string[] = []
      let current: (typeof rows)[number] | undefined = row
      while (current !== undefined && nodes.length <= rows.length) {
        nodes.unshift(String(current.node))
        current = current.parent_id === null ? undefined : byId.get(current.parent_id)
      }
      expect(row.path, `path of ${nameOf(row.id)}`).toBe(`/${nodes.join('/')}/`)
    }
  }

  async function pathOf(name: Name): Promise<string> {
    const row = await db
      .selectFrom('users')
      .select('path')
      .where('id', '=', user[name])
      .executeTakeFirstOrThrow()
    return row.path
  }

  async function nodeOf(name: Name): Promise<string> {
    const row = await db
      .selectFrom('users')
      .select('node')
      .where('id', '=', user[name])
      .executeTakeFirstOrThrow()
    return String(row.node)
  }

  /** Runs `change` in its own transaction and expects it refused with `code`, changing nothing. */
  async function expectRefused(
    change: (trx: Transaction<Database>) => Promise<unknown>,
    code: UserTreeErrorCode,
  ) {
    const before = await snapshot()
    const error = await db
      .transaction()
      .execute(change)
      .then(
        () => undefined,
        (failure: unknown) => failure,
      )
    expect(error).toBeInstanceOf(UserTreeError)
    expect((error as UserTreeError).code).toBe(code)
    expect(await snapshot()).toEqual(before)
  }

  async function giveRecords(name: Name, count: number): Promise<string[]> {
    const entity_type_id = await testEntityTypeId(db)
    const rows = await db
      .insertInto('records')
      .values(Array.from({ length: count }, () => ({ owner_id: user[name], entity_type_id })))
      .returning('id')
      .execute()
    return rows.map((row) => row.id)
  }

  async function ownersOf(recordIds: readonly string[]): Promise<(Name | null)[]> {
    const rows = await db
      .selectFrom('records')
      .select(['id', 'owner_id'])
      .where('id', 'in', recordIds)
      .execute()
    return recordIds.map((id) => nameOf(rows.find((row) => row.id === id)?.owner_id ?? null))
  }

  describe('insert', () => {
    it('puts a root at /node/ and a child at its parent’s path plus its node', async () => {
      expect(await pathOf('root')).toBe(`/${await nodeOf('root')}/`)
      expect(await pathOf('a11')).toBe(
        `/${await nodeOf('root')}/${await nodeOf('a')}/${await nodeOf('a1')}/${await nodeOf('a11')}/`,
      )
      await expectPathsMatchParents()
    })

    it('refuses a parent that does not exist, inserting nothing', async () => {
      await expectRefused(
        (trx) =>
          insertUser(trx, {
            email: 'orphan@example.com',
            kind: 'person',
            status: 'active',
            parent_id: randomUUID(),
          }),
        'PARENT_NOT_FOUND',
      )
    })
  })

  describe('move', () => {
    it('refuses a move under the user itself or into its own subtree, changing nothing', async () => {
      await expectRefused((trx) => moveSubtree(trx, user.a, user.a), 'MOVE_CREATES_CYCLE')
      await expectRefused((trx) => moveSubtree(trx, user.a, user.a1), 'MOVE_CREATES_CYCLE')
      await expectRefused((trx) => moveSubtree(trx, user.a, user.a11), 'MOVE_CREATES_CYCLE')
      await expectRefused((trx) => moveSubtree(trx, user.root, user.a2), 'MOVE_CREATES_CYCLE')
    })

    it('refuses a missing user or a missing parent', async () => {
      await expectRefused((trx) => moveSubtree(trx, randomUUID(), user.b), 'USER_NOT_FOUND')
      await expectRefused((trx) => moveSubtree(trx, user.a, randomUUID()), 'PARENT_NOT_FOUND')
    })

    it('moves a whole subtree under a new parent and returns its size', async () => {
      const records = await giveRecords('a11', 2)
      const moved = await db.transaction().execute((trx) => moveSubtree(trx, user.a1, user.b))
      expect(moved).toBe(2)
      const carried = await db.selectFrom('records').select('owner_path').where('id', 'in', records).execute()
      expect(carried.map((row) => row.owner_path)).toEqual(Array(2).fill(await pathOf('a11')))
      expect(await parents()).toMatchObject({ a1: 'b', a11: 'a1', a: 'root' })
      expect(await pathOf('a11')).toBe(`${await pathOf('b')}${await nodeOf('a1')}/${await nodeOf('a11')}/`)
      await expectPathsMatchParents()
    })

    it('moves a subtree under a user of another tree', async () => {
      const moved = await db.transaction().execute((trx) => moveSubtree(trx, user.a, user.lone))
      expect(moved).toBe(4)
      expect(await parents()).toMatchObject({ a: 'lone', a1: 'a', a11: 'a1', a2: 'a' })
      expect((await pathOf('a2')).startsWith(`/${await nodeOf('lone')}/`)).toBe(true)
      await expectPathsMatchParents()
    })

    it('makes a user a root with a null parent, its subtree following', async () => {
      const moved = await db.transaction().execute((trx) => moveSubtree(trx, user.a, null))
      expect(moved).toBe(4)
      expect(await parents()).toMatchObject({ a: null, a1: 'a', a11: 'a1', a2: 'a' })
      expect(await pathOf('a')).toBe(`/${await nodeOf('a')}/`)
      await expectPathsMatchParents()
    })

    it('rewrites no path when the parent does not change', async () => {
      const before = await snapshot()
      expect(await db.transaction().execute((trx) => moveSubtree(trx, user.a, user.root))).toBe(0)
      expect(await db.transaction().execute((trx) => moveSubtree(trx, user.lone, null))).toBe(0)
      expect(await snapshot()).toEqual(before)
    })

    it('moves a user down into a former sibling’s subtree and back', async () => {
      expect(await db.transaction().execute((trx) => moveSubtree(trx, user.b, user.a11))).toBe(1)
      expect(await db.transaction().execute((trx) => moveSubtree(trx, user.a, user.lone))).toBe(5)
      await expectPathsMatchParents()
      expect(await db.transaction().execute((trx) => moveSubtree(trx, user.b, user.root))).toBe(1)
      await expectPathsMatchParents()
      expect(await parents()).toMatchObject({ b: 'root', a: 'lone', a11: 'a1' })
    })
  })

  describe('delete', () => {
    it('hands children (with their subtrees) and records to the parent by default', async () => {
      const records = await giveRecords('a', 3)
      const kept = await giveRecords('a11', 1)
      const outcome = await db.transaction().execute((trx) => deleteUser(trx, user.a))
      expect(outcome).toEqual({ heirId: user.root, movedChildren: 2, transferredRecords: 3 })
      expect(await parents()).toEqual({
        root: null,
        a1: 'root',
        a11: 'a1',
        a2: 'root',
        b: 'root',
        lone: null,
      })
      expect(await ownersOf(records)).toEqual(['root', 'root', 'root'])
      expect(await ownersOf(kept)).toEqual(['a11'])
      expect(await pathOf('a11')).toBe(`${await pathOf('root')}${await nodeOf('a1')}/${await nodeOf('a11')}/`)
      await expectPathsMatchParents()
    })

    it('hands everything to a named user instead, in another tree too', async () => {
      const records = await giveRecords('a', 2)
      const outcome = await db.transaction().execute((trx) => deleteUser(trx, user.a, user.lone))
      expect(outcome).toEqual({ heirId: user.lone, movedChildren: 2, transferredRecords: 2 })
      expect(await parents()).toMatchObject({ a1: 'lone', a11: 'a1', a2: 'lone' })
      expect(await ownersOf(records)).toEqual(['lone', 'lone'])
      await expectPathsMatchParents()
    })

    it('removes the deleted user’s role bindings with it', async () => {
      const role = await db
        .insertInto('roles')
        .values({ name: 'merchant' })
        .returning('id')
        .executeTakeFirstOrThrow()
      await db.insertInto('user_roles').values({ user_id: user.a2, role_id: role.id, scope: null }).execute()
      await db.transaction().execute((trx) => deleteUser(trx, user.a2))
      const left = await db.selectFrom('user_roles').select('id').where('role_id', '=', role.id).execute()
      expect(left).toEqual([])
    })

    it('deletes a leaf that has nothing to hand over, naming no heir', async () => {
      const outcome = await db.transaction().execute((trx) => deleteUser(trx, user.a2))
      expect(outcome).toEqual({ heirId: null, movedChildren: 0, transferredRecords: 0 })
      expect(Object.keys(await parents()).sort()).toEqual(['a', 'a1', 'a11', 'b', 'lone', 'root'])
    })

    it('deletes a root that has nothing, no heir needed', async () => {
      const outcome = await db.transaction().execute((trx) => deleteUser(trx, user.lone))
      expect(outcome).toEqual({ heirId: null, movedChildren: 0, transferredRecords: 0 })
      expect(await parents()).not.toHaveProperty('lone')
    })

    it('refuses a root with children and no heir, changing nothing', async () => {
      await expectRefused((trx) => deleteUser(trx, user.root), 'DELETE_NEEDS_HEIR')
    })

    it('refuses a root with only records and no heir, changing nothing', async () => {
      await giveRecords('lone', 1)
      await expectRefused((trx) => deleteUser(trx, user.lone), 'DELETE_NEEDS_HEIR')
    })

    it('refuses an heir inside the deleted user’s subtree, or the user itself', async () => {
      await giveRecords('a', 1)
      await expectRefused((trx) => deleteUser(trx, user.a, user.a11), 'HEIR_IN_SUBTREE')
      await expectRefused((trx) => deleteUser(trx, user.a, user.a1), 'HEIR_IN_SUBTREE')
      await expectRefused((trx) => deleteUser(trx, user.a, user.a), 'HEIR_IN_SUBTREE')
      await expectRefused((trx) => deleteUser(trx, user.root, user.a2), 'HEIR_IN_SUBTREE')
    })

    it('refuses a missing user or a missing heir', async () => {
      await expectRefused((trx) => deleteUser(trx, randomUUID()), 'USER_NOT_FOUND')
      await expectRefused((trx) => deleteUser(trx, user.a, randomUUID()), 'HEIR_NOT_FOUND')
    })

    it('lets a root with children go once it names an heir', async () => {
      const records = await giveRecords('root', 1)
      const outcome = await db.transaction().execute((trx) => deleteUser(trx, user.root, user.lone))
      expect(outcome).toEqual({ heirId: user.lone, movedChildren: 2, transferredRecords: 1 })
      expect(await parents()).toEqual({ lone: null, a: 'lone', a1: 'a', a11: 'a1', a2: 'a', b: 'lone' })
      expect(await ownersOf(records)).toEqual(['lone'])
      await expectPathsMatchParents()
    })
  })
})
