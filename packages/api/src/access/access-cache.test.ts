import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PERMISSIONS } from '../permissions.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { accessCacheOf } from './access-cache.js'
import { loadSnapshotWithin, readAccessVersion } from './access-snapshot.js'

describe('the access cache', () => {
  let h: ApiHarness
  const ids: Record<string, string> = {}
  beforeAll(async () => {
    h = await createApiHarness()
    // Warmed before the changes below: what it decides later must not be what it saw now.
    await accessCacheOf(h.database.db).current(h.database.db)
    ids.lead = await h.addUser('lead@example.com', h.adminId)
    ids.member = await h.addUser('member@example.com', ids.lead)
    await h.grant(ids.lead, { 'users.read': 'UNION', 'users.update': 'OWNED', 'roles.read': true })
    await h.grant(ids.member, { 'users.read': 'SELF' })
    const { db } = h.database
    const scoped = await db
      .insertInto('roles')
      .values({ name: 'cars' })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('role_grants')
      .values({ role_id: scoped.id, permission: 'users.read', level: 'ALL' })
      .execute()
    await db
      .insertInto('user_roles')
      .values({ user_id: ids.member, role_id: scoped.id, scope: 'entityType:cars' })
      .execute()
  })
  afterAll(() => h.dispose())

  it('decides as the database now is, for every permission, caller and scope', async () => {
    const { db } = h.database
    const cached = await accessCacheOf(db).current(db)
    const fresh = await loadSnapshotWithin(db)
    for (const callerId of [null, h.adminId, ids.lead!, ids.member!]) {
      const caller = callerId === null ? null : await cached.caller(db, callerId)
      const freshCaller = callerId === null ? null : await fresh.caller(db, callerId)
      for (const permission of Object.keys(PERMISSIONS)) {
        for (const scope of [null, 'entityType:cars', 'entityType:boats']) {
          expect([callerId, permission, scope, cached.decide(caller, permission, scope)]).toEqual([
            callerId,
            permission,
            scope,
            fresh.decide(freshCaller, permission, scope),
          ])
        }
      }
    }
    const member = await cached.caller(db, ids.member!)
    expect(cached.decide(member, 'users.read')).toBe('SELF')
    expect(cached.decide(member, 'users.read', 'entityType:cars')).toBe('ALL')
    expect(cached.decide(member, 'users.read', 'entityType:boats')).toBe('SELF')
    expect(cached.decide(await cached.caller(db, ids.lead!), 'users.update')).toBe('OWNED')
    expect(cached.decide(null, 'users.read')).toBeUndefined()
  })

  it('moves the version on every change a decision depends on, and only then', async () => {
    const { db } = h.database
    const moves = async (change: () => Promise<unknown>) => {
      const before = await readAccessVersion(db)
      await change()
      return (await readAccessVersion(db)) !== before
    }
    const lead = await db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', 'cars')
      .executeTakeFirstOrThrow()
    expect(
      await moves(() =>
        db.updateTable('roles').set({ description: 'x' }).where('id', '=', lead.id).execute(),
      ),
    ).toBe(true)
    expect(
      await moves(() =>
        db.updateTable('role_grants').set({ level: 'OWNED' }).where('role_id', '=', lead.id).execute(),
      ),
    ).toBe(true)
    expect(await moves(() => h.grant(ids.member!, { 'audit.read': 'SELF' }))).toBe(true)
    expect(
      await moves(() =>
        db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', ids.member!).execute(),
      ),
    ).toBe(true)
    expect(
      await moves(() =>
        db.updateTable('users').set({ status: 'active' }).where('id', '=', ids.member!).execute(),
      ),
    ).toBe(true)
    expect(
      await moves(() =>
        db.updateTable('users').set({ display_name: 'Lead' }).where('id', '=', ids.lead!).execute(),
      ),
    ).toBe(false)
    expect(await moves(() => h.addUser('newcomer@example.com', ids.lead!))).toBe(false)
  })

  it('reuses its snapshot until the version moves', async () => {
    const { db } = h.database
    const cache = accessCacheOf(db)
    const first = await cache.current(db)
    expect(await cache.current(db)).toBe(first)
    await h.grant(ids.lead!, { 'audit.read': 'OWNED' })
    const second = await cache.current(db)
    expect(second).not.toBe(first)
    const lead = await second.caller(db, ids.lead!)
    expect(second.decide(lead, 'audit.read')).toBe('OWNED')
  })

  it('counts reuses as hits and loads as reloads, for metrics', async () => {
    const { db } = h.database
    const cache = accessCacheOf(db)
    await cache.current(db)
    const before = cache.counts
    await cache.current(db)
    await cache.current(db)
    expect(cache.counts).toEqual({ hits: before.hits + 2, reloads: before.reloads })
    await h.grant(ids.lead!, { 'audit.read': 'ALL' })
    await cache.current(db)
    expect(cache.counts).toEqual({ hits: before.hits + 2, reloads: before.reloads + 1 })
  })

  it('sees a user created after the snapshot, without a version move', async () => {
    const { db } = h.database
    const snapshot = await accessCacheOf(db).current(db)
    const late = await h.addUser('late@example.com', ids.lead!)
    expect(await snapshot.caller(db, late)).toMatchObject({ id: late, status: 'active', bindings: [] })
  })

  // Regression: a mutation (holding a pool connection for its transaction) joined an
  // access_version read lent by a query that still waited for a connection; with the pool
  // full of such mutations, every call waited on the others until the connect timeout.
  it('never lets calls in transactions wait on a shared read that needs a free connection', async () => {
    const admin = h.callAs(h.adminId)
    for (let round = 0; round < 5; round++) {
      const calls = Array.from({ length: 24 }, (_, index) =>
        index % 2 === 0
          ? admin.users.get({ id: ids.lead! })
          : admin.users.update({ id: ids.lead!, displayName: `Lead ${round}.${index}` }),
      )
      const outcomes = await Promise.allSettled(calls)
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([])
    }
  })
})
