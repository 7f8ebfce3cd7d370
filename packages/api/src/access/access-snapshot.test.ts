import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { type CallerFacts, loadSnapshotWithin } from './access-snapshot.js'

describe('the access snapshot decides', () => {
  let h: ApiHarness
  let contributor: string
  beforeAll(async () => {
    h = await createApiHarness()
    contributor = await h.addUser('contributor@example.com', h.adminId)
    const { db } = h.database
    const role = await db
      .insertInto('roles')
      .values({ name: 'contributor' })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('role_grants')
      .values({ role_id: role.id, permission: 'users.read', level: 'OWNED' })
      .execute()
    await db
      .insertInto('user_roles')
      .values({ user_id: contributor, role_id: role.id, scope: 'entityType:cars' })
      .execute()
    await h.grant(contributor, { 'users.read': 'SELF' })
  })
  afterAll(() => h.dispose())

  /** The engine's decision, on a snapshot loaded afresh (no cache between). */
  const explain = async (callerId: string | null, permission: string, scope: string | null = null) => {
    const snapshot = await loadSnapshotWithin(h.database.db)
    const caller: CallerFacts | null =
      callerId === null ? null : await snapshot.caller(h.database.db, callerId)
    return snapshot.explain(caller, permission, scope)
  }
  const decided = async (callerId: string | null, permission: string, scope: string | null = null) =>
    (await explain(callerId, permission, scope)).grant

  it('applies a scoped binding only within its scope', async () => {
    expect(await decided(contributor, 'users.read')).toBe('SELF')
    expect(await decided(contributor, 'users.read', 'entityType:cars')).toBe('OWNED')
    expect(await decided(contributor, 'users.read', 'entityType:boats')).toBe('SELF')
  })

  it('names every grant that took part, with its role and scope', async () => {
    const { sources } = await explain(contributor, 'users.read', 'entityType:cars')
    expect(sources.map((source) => [source.grant, source.scope])).toEqual(
      expect.arrayContaining([
        ['OWNED', 'entityType:cars'],
        ['SELF', null],
      ]),
    )
    expect(sources.find((source) => source.scope === 'entityType:cars')?.role).toBe('contributor')
  })

  it('gives anonymous callers the public role only, and a boolean grant wins over levels', async () => {
    expect(await decided(null, 'system.info')).toBe(true)
    expect(await decided(null, 'users.read')).toBeUndefined()
    expect(await decided(h.adminId, 'users.read')).toBe('ALL')
  })

  it("decides a type's permission from its own grant and the generic one, scoped to that type only", async () => {
    const { db } = h.database
    const driver = await h.addUser('driver@example.com', h.adminId)
    await h.grant(driver, { 'cars.read': 'SELF' })
    const bindScoped = async (name: string, permission: string, level: 'OWNED' | 'UNION', scope: string) => {
      const role = await db.insertInto('roles').values({ name }).returning('id').executeTakeFirstOrThrow()
      await db.insertInto('role_grants').values({ role_id: role.id, permission, level }).execute()
      await db.insertInto('user_roles').values({ user_id: driver, role_id: role.id, scope }).execute()
    }
    await bindScoped('car-readers', 'records.read', 'UNION', 'entityType:cars')
    await bindScoped('boat-movers', 'records.transition', 'OWNED', 'entityType:boats')

    const cars = await explain(driver, 'cars.read')
    expect(cars.grant).toBe('UNION')
    expect(cars.sources).toEqual(
      expect.arrayContaining([
        { role: expect.stringMatching(/^test-/), permission: 'cars.read', grant: 'SELF', scope: null },
        { role: 'car-readers', permission: 'records.read', grant: 'UNION', scope: 'entityType:cars' },
      ]),
    )
    // A transition is granted by records.transition, within the type the binding names.
    expect(await decided(driver, 'boats.sail')).toBe('OWNED')
    expect(await decided(driver, 'cars.sail')).toBeUndefined()
    // Another type's scope lends nothing, whatever scope is asked about.
    expect(await decided(driver, 'cars.sail', 'entityType:boats')).toBeUndefined()
    expect(await decided(driver, 'trucks.read')).toBeUndefined()
  })
  it('counts a policy-scoped binding only for a read through that policy, and each source once', async () => {
    const { db } = h.database
    const consumer = await h.addUser('consumer@example.com', h.adminId)
    await h.grant(consumer, { 'records.read': 'SELF' })
    const bindScoped = async (name: string, level: 'OWNED' | 'ALL', scope: string) => {
      const role = await db.insertInto('roles').values({ name }).returning('id').executeTakeFirstOrThrow()
      await db
        .insertInto('role_grants')
        .values({ role_id: role.id, permission: 'records.read', level })
        .execute()
      await db.insertInto('user_roles').values({ user_id: consumer, role_id: role.id, scope }).execute()
    }
    await bindScoped('feed-a', 'ALL', 'policy:feedA')
    await bindScoped('feed-b', 'OWNED', 'policy:feedB')
    const through = async (policy: string | null) => {
      const snapshot = await loadSnapshotWithin(db)
      return snapshot.explain(await snapshot.caller(db, consumer), 'cars.read', null, policy)
    }
    expect((await through(null)).grant).toBe('SELF')
    expect((await through('feedA')).grant).toBe('ALL')
    // Never another policy's: a consumer of two policies does not get their union.
    expect((await through('feedB')).grant).toBe('OWNED')
    expect((await through('feedC')).grant).toBe('SELF')
    const sources = (await through('feedA')).sources.map((source) => [source.grant, source.scope])
    expect(sources).toHaveLength(2)
    expect(sources).toEqual(
      expect.arrayContaining([
        ['SELF', null],
        ['ALL', 'policy:feedA'],
      ]),
    )
    // A policy scopes reads of entity types only: the router's own permissions ignore it.
    const snapshot = await loadSnapshotWithin(db)
    const facts = await snapshot.caller(db, consumer)
    expect(snapshot.decide(facts, 'records.read', null, 'feedA')).toBe('SELF')
  })
})
