import { entityTypeScope } from '@trellis/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSnapshotWithin } from '../access/access-snapshot.js'
import { reasonOf } from '../errors/trellis-error.js'
import { PERMISSIONS } from '../permissions.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'

describe('access.mine', () => {
  let h: ApiHarness
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    h = await createApiHarness()
    const admin = h.callAs(h.adminId)
    await admin.entityTypes.create({ name: 'cars', schema: {} })
    ids.clerk = await h.addUser('clerk@example.com', h.adminId)
    ids.gone = await h.addUser('gone@example.com', h.adminId, 'deactivated')
    await h.grant(ids.clerk, { 'users.read': 'SELF', 'audit.read': 'OWNED', 'roles.read': true })
    await admin.roles.create({ name: 'maker', grants: { 'records.create': 'UNION', 'users.read': 'ALL' } })
    await admin.users.assignRole({ id: ids.clerk, role: 'maker', scope: entityTypeScope('cars') })
  })
  afterAll(() => h.dispose())

  /** The engine's decision on a snapshot loaded afresh, past any cache. */
  const decided = async (callerId: string | null, permission: string, scope: string | null = null) => {
    const snapshot = await loadSnapshotWithin(h.database.db)
    const caller = callerId === null ? null : await snapshot.caller(h.database.db, callerId)
    return snapshot.decide(caller, permission, scope)
  }

  // The list is the gate's decision written out: the same answer as the engine gives, for every permission, unscoped and within the caller's scope.
  it('agrees with the engine for every permission, unscoped and scoped', async () => {
    const mine = await h.callAs(ids.clerk!).access.mine()
    const scope = entityTypeScope('cars')
    const within = mine.scoped.find((entry) => entry.scope === scope)?.grants ?? {}
    for (const permission of Object.keys(PERMISSIONS)) {
      const unscoped = await decided(ids.clerk!, permission)
      expect([permission, mine.grants[permission]]).toEqual([permission, unscoped])
      const scoped = await decided(ids.clerk!, permission, scope)
      expect([permission, within[permission] ?? mine.grants[permission]]).toEqual([permission, scoped])
    }
    expect(within).toEqual({ 'records.create': 'UNION', 'users.read': 'ALL' })
  })

  // Regression: a type's permissions were listed only where a role named them, so `can()`
  // said no to `cars.create` though the records gate allowed it through `records.create`.
  it("lists an entity type's permissions as the records gate decides them, no role naming them", async () => {
    const mine = await h.callAs(ids.clerk!).access.mine()
    for (const action of ['read', 'create', 'update', 'delete']) {
      const permission = `cars.${action}`
      expect([permission, mine.grants[permission]]).toEqual([
        permission,
        await decided(ids.clerk!, permission),
      ])
    }
    expect(mine.grants['cars.create']).toBe('UNION')
    expect(mine.grants).not.toHaveProperty('cars.read')
  })

  it("answers an anonymous caller with the public role's grants", async () => {
    const mine = await h.callAs(null).access.mine()
    for (const permission of Object.keys(PERMISSIONS)) {
      expect([permission, mine.grants[permission]]).toEqual([permission, await decided(null, permission)])
    }
    expect(mine).toMatchObject({ userId: null, scoped: [], grants: { 'access.mine': true } })
  })

  it('refuses a deactivated caller like every other call', async () => {
    const error = await failure(h.callAs(ids.gone!).access.mine())
    expect([error.code, reasonOf(error)]).toEqual(['UNAUTHORIZED', 'INVALID_CREDENTIALS'])
  })
})
