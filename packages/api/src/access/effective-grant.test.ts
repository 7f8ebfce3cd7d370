import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { effectiveGrant, grantSources } from './effective-grant.js'

describe('effective grants', () => {
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

  it('applies a scoped binding only within its scope', async () => {
    expect(await effectiveGrant(h.database.db, contributor, 'users.read')).toBe('SELF')
    expect(await effectiveGrant(h.database.db, contributor, 'users.read', 'entityType:cars')).toBe('OWNED')
    expect(await effectiveGrant(h.database.db, contributor, 'users.read', 'entityType:boats')).toBe('SELF')
  })

  it('names every grant that took part, with its role and scope', async () => {
    const sources = await grantSources(h.database.db, contributor, 'users.read', 'entityType:cars')
    expect(sources.map((source) => [source.grant, source.scope])).toEqual(
      expect.arrayContaining([
        ['OWNED', 'entityType:cars'],
        ['SELF', null],
      ]),
    )
    expect(sources.find((source) => source.scope === 'entityType:cars')?.role).toBe('contributor')
  })

  it('gives anonymous callers the public role only, and a boolean grant wins over levels', async () => {
    expect(await effectiveGrant(h.database.db, null, 'system.info')).toBe(true)
    expect(await effectiveGrant(h.database.db, null, 'users.read')).toBeUndefined()
    expect(await effectiveGrant(h.database.db, h.adminId, 'users.read')).toBe('ALL')
  })
})
