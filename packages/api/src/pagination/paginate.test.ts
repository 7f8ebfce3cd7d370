import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reasonOf } from '../errors/trellis-error.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'
import { walkPages } from '../testing/walk-pages.js'
import { decodeCursor, encodeCursor } from './cursor.js'
import { byName, newestFirst } from './keyset.js'
import { pageQuery, paginate } from './paginate.js'

const forged = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url')

describe('paginate', () => {
  let h: ApiHarness
  const db = () => h.database.db

  beforeAll(async () => {
    h = await createApiHarness()
  })
  afterAll(() => h.dispose())

  describe('the SQL it adds (the shape the list indexes serve)', () => {
    const compiled = (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
      const { sql, parameters } = query.compile()
      return { sql, parameters }
    }

    it('newest first: a row comparison on (time, id), both descending, one row more than the page', () => {
      const keyset = newestFirst('users', 'created_at')
      const at = new Date('2026-01-02T03:04:05.000Z')
      const cursor = encodeCursor(keyset, { created_at: at, id: h.adminId })
      const query = pageQuery(db().selectFrom('users').select(['users.id', 'users.created_at']), keyset, {
        cursor,
        limit: 10,
      })
      expect(compiled(query)).toEqual({
        sql: 'select "users"."id", "users"."created_at" from "users" where ("users"."created_at", "users"."id") < ($1, $2) order by "users"."created_at" desc, "users"."id" desc limit $3',
        parameters: [at, h.adminId, 11],
      })
    })

    it('by name: a comparison on the unique name, ascending; no condition on the first page', () => {
      const keyset = byName('roles')
      const first = pageQuery(db().selectFrom('roles').select('roles.name'), keyset, { limit: 2 })
      expect(compiled(first).sql).toBe(
        'select "roles"."name" from "roles" order by "roles"."name" asc limit $1',
      )
      const cursor = encodeCursor(keyset, { name: 'admin' })
      const next = pageQuery(db().selectFrom('roles').select('roles.name'), keyset, { cursor, limit: 2 })
      expect(compiled(next)).toEqual({
        sql: 'select "roles"."name" from "roles" where ("roles"."name") > ($1) order by "roles"."name" asc limit $2',
        parameters: ['admin', 3],
      })
    })
  })

  describe('cursors', () => {
    it('read back what they were made from', () => {
      const at = new Date('2026-01-02T03:04:05.000Z')
      const keyset = newestFirst('records', 'created_at')
      expect(decodeCursor(keyset, encodeCursor(keyset, { created_at: at, id: h.adminId }))).toEqual([
        at,
        h.adminId,
      ])
      expect(decodeCursor(byName('roles'), encodeCursor(byName('roles'), { name: 'clerk' }))).toEqual([
        'clerk',
      ])
    })

    it("are BAD_REQUEST INVALID_CURSOR when garbled, forged unstorable, or another order's", async () => {
      const newest = newestFirst('users', 'created_at')
      const names = byName('roles')
      const cases: [typeof newest | typeof names, string][] = [
        [newest, 'not a cursor'],
        [newest, forged({ t: '2026-01-01T00:00:00Z', id: 'not-a-uuid' })],
        [newest, encodeCursor(names, { name: 'admin' })],
        [names, encodeCursor(newest, { created_at: new Date(), id: h.adminId })],
        // PostgreSQL cannot compare text holding NUL: it would fail in SQL (500), not here.
        [names, forged({ name: 'a\u0000b' })],
        [names, forged({ name: '' })],
      ]
      for (const [keyset, cursor] of cases) {
        const query = db().selectFrom('roles').select('roles.name')
        const error = await failure(paginate(query, keyset as never, { cursor, limit: 2 }, () => null))
        expect([error.code, reasonOf(error)], cursor).toEqual(['BAD_REQUEST', 'INVALID_CURSOR'])
      }
    })
  })

  describe('against the database', () => {
    it('walks rows made at the same instant once each: the id breaks the tie', async () => {
      const at = new Date('2026-03-04T05:06:07.000Z')
      const user = await h.addUser('keys@example.com', h.adminId)
      const inserted = await db()
        .insertInto('api_keys')
        .values(
          ['a', 'b', 'c', 'd', 'e'].map((name) => ({
            user_id: user,
            name,
            prefix: `tie${name}`,
            secret_hash: name,
            created_at: at,
          })),
        )
        .returning('id')
        .execute()
      const page = (cursor: string | undefined, limit: number) =>
        paginate(
          db()
            .selectFrom('api_keys')
            .select(['api_keys.id', 'api_keys.created_at'])
            .where('user_id', '=', user),
          newestFirst('api_keys', 'created_at'),
          { cursor, limit },
          (row) => row.id,
        )
      const { items, sizes } = await walkPages((cursor) => page(cursor, 2))
      expect(sizes).toEqual([2, 2, 1])
      expect(items).toEqual(
        inserted
          .map((row) => row.id)
          .sort()
          .reverse(),
      )
      // A page that ends exactly at the last row has no next page.
      expect((await page(undefined, 5)).nextCursor).toBeNull()
    })

    it('goes on after a name that no row has: a position, not a row', async () => {
      const position = `${(await db().selectFrom('roles').select('name').orderBy('name').executeTakeFirstOrThrow()).name}~`
      const after = await db()
        .selectFrom('roles')
        .select('name')
        .where('name', '>', position)
        .orderBy('name')
        .execute()
      const page = await paginate(
        db().selectFrom('roles').select('roles.name'),
        byName('roles'),
        { cursor: encodeCursor(byName('roles'), { name: position }), limit: 200 },
        (row) => row.name,
      )
      expect(page.items).toEqual(after.map((row) => row.name))
      expect(page.items.length).toBeGreaterThan(0)
    })
  })
})
