import { type Selectable, sql, type Transaction } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Database, TrellisDatabase, UsersTable } from '../schema/database.js'
import {
  clearUsers,
  createTestDatabase,
  recordsWithStaleOwnerPath,
  type TestDatabase,
  testEntityTypeId,
} from '../testing/index.js'
import { insertUser } from './insert-user.js'
import { moveSubtree } from './move-subtree.js'
import { UserTreeError } from './user-tree-error.js'

// Two changes to the tree's shape, each fine alone, racing in two transactions. On
// PostgreSQL they truly overlap: both transactions have started and read before either
// changes anything, and the first to take the tree lock holds it until the other is seen
// waiting for it. PGlite has one connection, so there the same test runs them one after
// the other and must reach the same outcome.

type Change<T> = (trx: Transaction<Database>) => Promise<T>

const WAIT_LIMIT_MS = 10_000

/** Resolves for everyone once `parties` have arrived; rejects if they never all do. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0
  let release!: () => void
  let fail!: (error: Error) => void
  const everyone = new Promise<void>((resolve, reject) => {
    release = resolve
    fail = reject
  })
  const timer = setTimeout(() => fail(new Error('the other transaction never arrived')), WAIT_LIMIT_MS)
  return () => {
    arrived += 1
    if (arrived === parties) {
      clearTimeout(timer)
      release()
    }
    return everyone
  }
}

describe('racing changes to the tree', () => {
  let test: TestDatabase
  let db: TrellisDatabase
  let emails = 0

  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
  })
  afterAll(() => test.dispose())

  beforeEach(async () => {
    await clearUsers(db)
  })

  /** Inserts users from `name: parent name` pairs, parents first. */
  async function buildTree<T extends Record<string, string | null>>(
    tree: T,
  ): Promise<Record<keyof T & string, string>> {
    return db.transaction().execute(async (trx) => {
      const ids: Record<string, string> = {}
      for (const [name, parent] of Object.entries(tree)) {
        emails += 1
        const row = await insertUser(trx, {
          email: `${name}-${emails}@example.com`,
          kind: 'person',
          status: 'active',
          parent_id: parent === null ? null : ids[parent]!,
        })
        ids[name] = row.id
      }
      return ids as Record<keyof T & string, string>
    })
  }

  /** Polls, from a third connection, until backend `pid` waits for a lock (the tree's, or a row's). */
  async function waitUntilBlocked(pid: number): Promise<void> {
    const deadline = Date.now() + WAIT_LIMIT_MS
    while (Date.now() < deadline) {
      const { rows } = await sql<{ waiting: boolean }>`
        select exists (
          select 1 from pg_locks where pid = ${pid} and not granted
        ) as waiting
      `.execute(db)
      if (rows[0]?.waiting) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error(`backend ${pid} never waited for a lock`)
  }

  /** Runs two changes in two transactions at once; `overlapped` says whether one waited for the other. */
  async function race<A, B>(first: Change<A>, second: Change<B>) {
    const overlap = test.dialect === 'postgres'
    const arrive = barrier(2)
    const pids: number[] = []
    let someoneFinished = false
    let overlapped = false
    const finishedFirst = () => {
      const first = !someoneFinished
      someoneFinished = true
      return first
    }
    const run = <T>(change: Change<T>, me: 0 | 1): Promise<T> =>
      db.transaction().execute(async (trx) => {
        if (overlap) {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
          pids[me] = rows[0]!.pid
          await arrive()
        }
        let result: T
        try {
          result = await change(trx)
        } catch (error) {
          finishedFirst()
          throw error
        }
        // The lock holder commits only once the other is queued behind a lock: the other
        // started and read before this change, and must still decide on the state after it.
        if (finishedFirst() && overlap) {
          await waitUntilBlocked(pids[me === 0 ? 1 : 0]!)
          overlapped = true
        }
        return result
      })
    const [a, b] = await Promise.allSettled([run(first, 0), run(second, 1)])
    return { a, b, overlapped }
  }

  async function users(): Promise<Selectable<UsersTable>[]> {
    return db.selectFrom('users').selectAll().execute()
  }

  /** No user is its own ancestor, and every path is its ancestors' nodes and its own. */
  async function expectSoundTree(): Promise<void> {
    const rows = await users()
    const byId = new Map(rows.map((row) => [row.id, row]))
    for (const row of rows) {
      const nodes: string[] = []
      let current: Selectable<UsersTable> | undefined = row
      while (current !== undefined) {
        nodes.unshift(String(current.node))
        expect(nodes.length, 'a chain of parents longer than the tree: a cycle').toBeLessThanOrEqual(
          rows.length,
        )
        current = current.parent_id === null ? undefined : byId.get(current.parent_id)
      }
      expect(row.path).toBe(`/${nodes.join('/')}/`)
    }
  }

  async function parentOf(id: string): Promise<string | null> {
    const row = await db
      .selectFrom('users')
      .select('parent_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    return row.parent_id
  }

  function expectRefusedAsCycle(outcome: PromiseSettledResult<unknown>): void {
    expect(outcome.status).toBe('rejected')
    const reason = (outcome as PromiseRejectedResult).reason
    expect(reason).toBeInstanceOf(UserTreeError)
    expect((reason as UserTreeError).code).toBe('MOVE_CREATES_CYCLE')
  }

  it('lets one of two sibling moves that together close a loop win and refuses the other', async () => {
    for (let round = 0; round < 4; round++) {
      const ids = await buildTree({ root: null, a: 'root', b: 'root' })
      const { a, b, overlapped } = await race(
        (trx) => moveSubtree(trx, ids.a, ids.b),
        (trx) => moveSubtree(trx, ids.b, ids.a),
      )
      expect(overlapped).toBe(test.dialect === 'postgres')
      const outcomes = [a, b].map((outcome) => outcome.status).sort()
      expect(outcomes).toEqual(['fulfilled', 'rejected'])
      if (a.status === 'fulfilled') {
        expect(a.value).toBe(1)
        expectRefusedAsCycle(b)
        expect(await parentOf(ids.a)).toBe(ids.b)
        expect(await parentOf(ids.b)).toBe(ids.root)
      } else {
        expect(b.status === 'fulfilled' && b.value).toBe(1)
        expectRefusedAsCycle(a)
        expect(await parentOf(ids.b)).toBe(ids.a)
        expect(await parentOf(ids.a)).toBe(ids.root)
      }
      await expectSoundTree()
    }
  })

  it('refuses the second of two moves that close a longer loop through each other’s children', async () => {
    const ids = await buildTree({ root: null, a: 'root', a1: 'a', b: 'root', b1: 'b' })
    const { a, b, overlapped } = await race(
      (trx) => moveSubtree(trx, ids.a, ids.b1),
      (trx) => moveSubtree(trx, ids.b, ids.a1),
    )
    expect(overlapped).toBe(test.dialect === 'postgres')
    expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected'])
    expectRefusedAsCycle(a.status === 'rejected' ? a : b)
    const winner = a.status === 'fulfilled' ? ids.a : ids.b
    expect(await parentOf(winner)).toBe(winner === ids.a ? ids.b1 : ids.a1)
    await expectSoundTree()
  })

  it('gives a child inserted under a node while that node’s subtree moves the path of its new place', async () => {
    for (let round = 0; round < 4; round++) {
      // x's subtree (x → y) moves under `elsewhere` while a child is inserted under y,
      // and on even rounds under x itself.
      const ids = await buildTree({ root: null, x: 'root', y: 'x', elsewhere: null })
      const parentId = round % 2 === 0 ? ids.x : ids.y
      const { a, b, overlapped } = await race(
        (trx) => moveSubtree(trx, ids.x, ids.elsewhere),
        (trx) =>
          insertUser(trx, {
            email: `child-${round}@example.com`,
            kind: 'person',
            status: 'active',
            parent_id: parentId,
          }),
      )
      expect(overlapped).toBe(test.dialect === 'postgres')
      expect(a.status).toBe('fulfilled')
      expect(b.status).toBe('fulfilled')
      const child = (b as PromiseFulfilledResult<Selectable<UsersTable>>).value
      // The move counts the child only if the insert committed first.
      expect([2, 3]).toContain((a as PromiseFulfilledResult<number>).value)

      const rows = await users()
      const byId = new Map(rows.map((row) => [row.id, row]))
      const stored = byId.get(child.id)!
      expect(stored.parent_id).toBe(parentId)
      expect(stored.path).toBe(`${byId.get(parentId)!.path}${stored.node}/`)
      expect(stored.path.startsWith(byId.get(ids.elsewhere)!.path)).toBe(true)
      await expectSoundTree()
    }
  })
  it('gives a record inserted for a user while that user’s subtree moves the user’s new path', async () => {
    const entityTypeId = await testEntityTypeId(db)
    for (let round = 0; round < 4; round++) {
      const ids = await buildTree({ root: null, x: 'root', y: 'x', elsewhere: null })
      // The record's trigger reads y FOR SHARE: whichever commits first, the other waits.
      const { b, overlapped } = await race(
        (trx) => moveSubtree(trx, ids.x, ids.elsewhere),
        (trx) =>
          trx
            .insertInto('records')
            .values({ owner_id: ids.y, entity_type_id: entityTypeId })
            .returning('owner_path')
            .executeTakeFirstOrThrow(),
      )
      expect(overlapped).toBe(test.dialect === 'postgres')
      expect(b.status).toBe('fulfilled')
      const y = await db.selectFrom('users').select('path').where('id', '=', ids.y).executeTakeFirstOrThrow()
      expect(
        y.path.startsWith(
          (
            await db
              .selectFrom('users')
              .select('path')
              .where('id', '=', ids.elsewhere)
              .executeTakeFirstOrThrow()
          ).path,
        ),
      ).toBe(true)
      expect(await recordsWithStaleOwnerPath(db)).toEqual([])
    }
  })
})
