import { randomUUID } from 'node:crypto'
import { USERS_WALK_FROM_USERS } from '@trellis/db'
import { growSubtree, testEntityTypeId } from '@trellis/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'

const READ_AND_WRITE = [
  'users.read',
  'users.create',
  'users.update',
  'users.move',
  'users.delete',
  'users.deactivate',
  'users.reactivate',
]

describe('users router', () => {
  let h: ApiHarness
  // admin ── issuer ─┬─ dev ─┬─ merchantA ── consumer1
  //                  │       └─ merchantB
  //                  └─ dev2
  // other (a second root)
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    h = await createApiHarness()
    ids.admin = h.adminId
    ids.issuer = await h.addUser('issuer@example.com', ids.admin)
    ids.dev = await h.addUser('dev@example.com', ids.issuer)
    ids.dev2 = await h.addUser('dev2@example.com', ids.issuer)
    ids.merchantA = await h.addUser('merchant-a@example.com', ids.dev)
    ids.merchantB = await h.addUser('merchant-b@example.com', ids.dev)
    ids.consumer1 = await h.addUser('consumer1@example.com', ids.merchantA)
    ids.other = await h.addUser('other@example.com', null)
    await h.grant(ids.merchantA!, Object.fromEntries(READ_AND_WRITE.map((p) => [p, 'OWNED'])))
    await h.grant(ids.dev!, Object.fromEntries(READ_AND_WRITE.map((p) => [p, 'UNION'])))
    await h.grant(ids.consumer1!, { 'users.read': 'SELF' })
  })
  afterAll(() => h.dispose())

  const emailsOf = (items: { email: string }[]) => items.map((user) => user.email).sort()

  describe('the gate', () => {
    it('asks an anonymous caller to authenticate', async () => {
      const error = await failure(h.callAs(null).users.list({}))
      expect(error.code).toBe('UNAUTHORIZED')
      expect(error.message).toBe('Invalid or missing credentials')
    })

    it('tells a known caller which permission is missing', async () => {
      const error = await failure(h.callAs(ids.merchantB!).users.list({}))
      expect(error.code).toBe('FORBIDDEN')
      expect(error.message).toBe('Permission required: users.read')
    })

    it('treats an unknown caller id like no credentials', async () => {
      const error = await failure(h.callAs(randomUUID()).users.list({}))
      expect(error.code).toBe('UNAUTHORIZED')
    })
  })

  describe('reading at a level', () => {
    it('lists only the subtree at OWNED', async () => {
      const page = await h.callAs(ids.merchantA!).users.list({})
      expect(emailsOf(page.items)).toEqual(['consumer1@example.com', 'merchant-a@example.com'])
      expect(page.nextCursor).toBeNull()
    })

    it('lists the parent and the siblings too at UNION', async () => {
      const page = await h.callAs(ids.dev!).users.list({})
      expect(emailsOf(page.items)).toEqual(
        [
          'issuer@example.com',
          'dev@example.com',
          'dev2@example.com',
          'merchant-a@example.com',
          'merchant-b@example.com',
          'consumer1@example.com',
        ].sort(),
      )
    })

    it('shows only oneself at SELF', async () => {
      const page = await h.callAs(ids.consumer1!).users.list({})
      expect(emailsOf(page.items)).toEqual(['consumer1@example.com'])
    })

    it('answers NOT_FOUND for a user outside the level, exactly as for one that does not exist', async () => {
      const outside = await failure(h.callAs(ids.merchantA!).users.get({ id: ids.merchantB! }))
      const missing = await failure(h.callAs(ids.merchantA!).users.get({ id: randomUUID() }))
      expect([outside.code, outside.message]).toEqual(['NOT_FOUND', 'User not found'])
      expect([missing.code, missing.message]).toEqual(['NOT_FOUND', 'User not found'])
    })

    it('returns a visible user without secrets or tree internals', async () => {
      const user = await h.callAs(ids.merchantA!).users.get({ id: ids.consumer1! })
      expect(Object.keys(user).sort()).toEqual(
        ['createdAt', 'displayName', 'email', 'id', 'kind', 'parentId', 'status', 'updatedAt'].sort(),
      )
      expect(user.parentId).toBe(ids.merchantA)
    })

    it('lists children and the ancestors the caller may see, nearest first', async () => {
      const children = await h.callAs(ids.dev!).users.children({ id: ids.dev! })
      expect(emailsOf(children.items)).toEqual(['merchant-a@example.com', 'merchant-b@example.com'])
      const seenByDev = await h.callAs(ids.dev!).users.ancestors({ id: ids.consumer1! })
      expect(seenByDev.map((user) => user.email)).toEqual([
        'merchant-a@example.com',
        'dev@example.com',
        'issuer@example.com',
      ])
      const seenByMerchant = await h.callAs(ids.merchantA!).users.ancestors({ id: ids.consumer1! })
      expect(seenByMerchant.map((user) => user.email)).toEqual(['merchant-a@example.com'])
    })
  })

  describe('listing', () => {
    beforeAll(async () => {
      const shop = await h.addUser('shop@example.com', ids.merchantA!)
      ids.shop = shop
      for (let i = 0; i < 23; i++) {
        await h.addUser(
          `buyer-${String(i).padStart(2, '0')}@example.com`,
          shop,
          i % 5 === 0 ? 'invited' : 'active',
        )
      }
    })

    it('pages through everything once, newest first, with a stable cursor', async () => {
      const seen: string[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = await h.callAs(ids.merchantA!).users.list({ subtreeOf: ids.shop!, limit: 10, cursor })
        seen.push(...page.items.map((user) => user.email))
        cursor = page.nextCursor ?? undefined
        pages++
      } while (cursor)
      expect(pages).toBe(3)
      expect(seen).toHaveLength(24)
      expect(new Set(seen).size).toBe(24)
      expect(seen[0]).toBe('buyer-22@example.com')
      expect(seen.at(-1)).toBe('shop@example.com')
    })

    it('filters by status, parent, search and role', async () => {
      const invited = await h.callAs(ids.merchantA!).users.list({ status: 'invited', limit: 200 })
      expect(emailsOf(invited.items)).toEqual(
        ['buyer-00', 'buyer-05', 'buyer-10', 'buyer-15', 'buyer-20'].map((name) => `${name}@example.com`),
      )
      const direct = await h.callAs(ids.merchantA!).users.list({ parentId: ids.merchantA! })
      expect(emailsOf(direct.items)).toEqual(['consumer1@example.com', 'shop@example.com'])
      const found = await h.callAs(ids.merchantA!).users.list({ search: 'BUYER-1' })
      expect(found.items).toHaveLength(10)
      const literal = await h.callAs(ids.merchantA!).users.list({ search: 'buyer_1' })
      expect(literal.items).toHaveLength(0)
      const admins = await h.callAs(ids.dev!).users.list({ role: 'admin' })
      expect(admins.items).toHaveLength(0)
    })

    it('pages a subtree of USERS_WALK_FROM_USERS users (read by walking the newest) in the table’s order', async () => {
      const crowd = await h.addUser('crowd@example.com', null)
      await growSubtree(h.database.db, crowd, USERS_WALK_FROM_USERS, 'crowd')
      const expected = await h.database.db
        .selectFrom('users')
        .select('email')
        .where('email', 'like', 'crowd%')
        .where('kind', '=', 'service')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute()
      const seen: string[] = []
      let cursor: string | undefined
      do {
        const page = await h
          .callAs(ids.admin!)
          .users.list({ subtreeOf: crowd, kind: 'service', limit: 200, cursor })
        seen.push(...page.items.map((user) => user.email))
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      expect(expected.length).toBeGreaterThan(1_600)
      expect(seen).toEqual(expected.map((row) => row.email))
    })

    it('refuses a subtree root outside the level as NOT_FOUND', async () => {
      const error = await failure(h.callAs(ids.merchantA!).users.list({ subtreeOf: ids.dev! }))
      expect(error.code).toBe('NOT_FOUND')
    })

    it('refuses a forged cursor with BAD_REQUEST', async () => {
      const error = await failure(h.callAs(ids.merchantA!).users.list({ cursor: 'not-a-cursor' }))
      expect(error.code).toBe('BAD_REQUEST')
      expect(error.message).toMatch(/Invalid cursor/)
    })
  })

  describe('changing users', () => {
    it('creates a user under a parent within the level, invited until it accepts', async () => {
      const user = await h.callAs(ids.merchantA!).users.create({
        email: 'new-buyer@example.com',
        displayName: 'New Buyer',
        parentId: ids.consumer1!,
      })
      expect(user).toMatchObject({ status: 'invited', kind: 'person', parentId: ids.consumer1 })
      const service = await h
        .callAs(ids.merchantA!)
        .users.create({ email: 'robot@example.com', kind: 'service', parentId: ids.merchantA! })
      expect(service.status).toBe('active')
    })

    it('refuses a parent outside the level, a taken email and a malformed one', async () => {
      const outside = await failure(
        h.callAs(ids.merchantA!).users.create({ email: 'x@example.com', parentId: ids.merchantB! }),
      )
      expect(outside.code).toBe('NOT_FOUND')
      const taken = await failure(
        h.callAs(ids.merchantA!).users.create({ email: 'CONSUMER1@example.com', parentId: ids.merchantA! }),
      )
      expect([taken.code, taken.message]).toEqual(['CONFLICT', 'A user with this email already exists'])
      const malformed = await failure(
        h.callAs(ids.merchantA!).users.create({ email: 'not-an-email', parentId: ids.merchantA! }),
      )
      expect(malformed.code).toBe('BAD_REQUEST')
      const count = await h.database.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'x@example.com')
        .execute()
      expect(count).toEqual([])
    })

    it('updates a visible user and refuses an empty update', async () => {
      const updated = await h
        .callAs(ids.merchantA!)
        .users.update({ id: ids.consumer1!, displayName: 'Consumer One' })
      expect(updated.displayName).toBe('Consumer One')
      const empty = await failure(h.callAs(ids.merchantA!).users.update({ id: ids.consumer1! }))
      expect(empty.code).toBe('BAD_REQUEST')
      const outside = await failure(
        h.callAs(ids.merchantA!).users.update({ id: ids.dev!, displayName: 'Nope' }),
      )
      expect(outside.code).toBe('NOT_FOUND')
    })

    it('moves a subtree, and refuses a cycle with a clear message', async () => {
      const a = await h.addUser('move-a@example.com', ids.dev!)
      const b = await h.addUser('move-b@example.com', a)
      const c = await h.addUser('move-c@example.com', b)
      const cycle = await failure(h.callAs(ids.dev!).users.move({ id: a, newParentId: c }))
      expect([cycle.code, cycle.message]).toEqual([
        'BAD_REQUEST',
        'A user cannot be moved under itself or one of its descendants',
      ])
      const moved = await h.callAs(ids.dev!).users.move({ id: b, newParentId: ids.merchantB! })
      expect(moved.movedUsers).toBe(2)
      const ancestors = await h.callAs(ids.dev!).users.ancestors({ id: c })
      expect(ancestors.map((user) => user.email).slice(0, 2)).toEqual([
        'move-b@example.com',
        'merchant-b@example.com',
      ])
    })

    it('refuses a move out of reach: a parent outside the level, or a root without ALL', async () => {
      const outside = await failure(
        h.callAs(ids.merchantA!).users.move({ id: ids.consumer1!, newParentId: ids.dev! }),
      )
      expect(outside.code).toBe('NOT_FOUND')
      const toRoot = await failure(
        h.callAs(ids.merchantA!).users.move({ id: ids.consumer1!, newParentId: null }),
      )
      expect(toRoot.code).toBe('FORBIDDEN')
    })

    it('sees a caller moved between two calls at its new place', async () => {
      const mover = await h.addUser('mover@example.com', ids.dev2!)
      await h.grant(mover, { 'users.read': 'UNION' })
      const before = await h.callAs(mover).users.list({})
      expect(emailsOf(before.items)).toContain('dev2@example.com')
      await h.callAs(ids.dev!).users.move({ id: mover, newParentId: ids.merchantB! })
      const after = await h.callAs(mover).users.list({ limit: 200 })
      expect(emailsOf(after.items)).toContain('merchant-b@example.com')
      expect(emailsOf(after.items)).not.toContain('dev2@example.com')
    })

    it('deletes a user, handing its children and records to its parent', async () => {
      const parent = await h.addUser('del-parent@example.com', ids.dev!)
      const doomed = await h.addUser('del-doomed@example.com', parent)
      const child = await h.addUser('del-child@example.com', doomed)
      await h.database.db
        .insertInto('records')
        .values({ owner_id: doomed, entity_type_id: await testEntityTypeId(h.database.db) })
        .execute()
      const outcome = await h.callAs(ids.dev!).users.delete({ id: doomed })
      expect(outcome).toMatchObject({ heirId: parent, movedChildren: 1, transferredRecords: 1 })
      const moved = await h.callAs(ids.dev!).users.get({ id: child })
      expect(moved.parentId).toBe(parent)
      const records = await h.database.db.selectFrom('records').select('owner_id').execute()
      expect(records).toEqual([{ owner_id: parent }])
      const gone = await failure(h.callAs(ids.dev!).users.get({ id: doomed }))
      expect(gone.code).toBe('NOT_FOUND')
    })

    it('refuses to delete a root with children when nobody is named to receive them', async () => {
      const root = await h.addUser('lonely-root@example.com', null)
      await h.addUser('root-child@example.com', root)
      await h.grant(ids.admin!, { 'users.delete': 'ALL', 'users.read': 'ALL' })
      const error = await failure(h.callAs(ids.admin!).users.delete({ id: root }))
      expect(error.code).toBe('BAD_REQUEST')
      expect(error.message).toMatch(/name a user to transfer them to \(transferTo\)/)
      await expect(h.callAs(ids.admin!).users.get({ id: root })).resolves.toMatchObject({ id: root })
      const done = await h.callAs(ids.admin!).users.delete({ id: root, transferTo: ids.other! })
      expect(done.heirId).toBe(ids.other)
    })

    it('refuses to delete or deactivate oneself, or a user outside the level', async () => {
      expect((await failure(h.callAs(ids.dev!).users.delete({ id: ids.dev! }))).code).toBe('BAD_REQUEST')
      expect((await failure(h.callAs(ids.dev!).users.deactivate({ id: ids.dev! }))).code).toBe('BAD_REQUEST')
      expect((await failure(h.callAs(ids.merchantA!).users.delete({ id: ids.merchantB! }))).code).toBe(
        'NOT_FOUND',
      )
    })

    it('deactivates a user: its calls stop, what it owns stays, and it can come back', async () => {
      const worker = await h.addUser('worker@example.com', ids.merchantA!)
      await h.grant(worker, { 'users.read': 'SELF' })
      await h.database.db
        .insertInto('records')
        .values({ owner_id: worker, entity_type_id: await testEntityTypeId(h.database.db) })
        .execute()
      await h.callAs(ids.merchantA!).users.deactivate({ id: worker })
      const refused = await failure(h.callAs(worker).users.list({}))
      expect(refused.code).toBe('UNAUTHORIZED')
      const kept = await h.database.db
        .selectFrom('records')
        .select('id')
        .where('owner_id', '=', worker)
        .execute()
      expect(kept).toHaveLength(1)
      const back = await h.callAs(ids.merchantA!).users.reactivate({ id: worker })
      expect(back.status).toBe('active')
      await expect(h.callAs(worker).users.list({})).resolves.toMatchObject({ items: [{ id: worker }] })
      const again = await failure(h.callAs(ids.merchantA!).users.reactivate({ id: worker }))
      expect(again.code).toBe('BAD_REQUEST')
    })
  })
})
