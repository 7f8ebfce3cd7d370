import { entityTypeScope } from '@trellis/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reasonOf } from '../errors/trellis-error.js'
import { PERMISSIONS } from '../permissions.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'
import { effectiveGrant } from './effective-grant.js'

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

  // The list is the gate's decision written out: the same answer as the grant engine that
  // explain uses, for every permission, unscoped and within the caller's scope.
  it('agrees with the effective grant of every permission, unscoped and scoped', async () => {
    const mine = await h.callAs(ids.clerk!).access.mine()
    const scope = entityTypeScope('cars')
    const within = mine.scoped.find((entry) => entry.scope === scope)?.grants ?? {}
    for (const permission of Object.keys(PERMISSIONS)) {
      const unscoped = await effectiveGrant(h.database.db, ids.clerk!, permission)
      expect([permission, mine.grants[permission]]).toEqual([permission, unscoped])
      const scoped = await effectiveGrant(h.database.db, ids.clerk!, permission, scope)
      expect([permission, within[permission] ?? mine.grants[permission]]).toEqual([permission, scoped])
    }
    expect(within).toEqual({ 'records.create': 'UNION', 'users.read': 'ALL' })
  })

  it("answers an anonymous caller with the public role's grants", async () => {
    const mine = await h.callAs(null).access.mine()
    for (const permission of Object.keys(PERMISSIONS)) {
      expect([permission, mine.grants[permission]]).toEqual([
        permission,
        await effectiveGrant(h.database.db, null, permission),
      ])
    }
    expect(mine).toMatchObject({ userId: null, scoped: [], grants: { 'access.mine': true } })
  })

  it('refuses a deactivated caller like every other call', async () => {
    const error = await failure(h.callAs(ids.gone!).access.mine())
    expect([error.code, reasonOf(error)]).toEqual(['UNAUTHORIZED', 'INVALID_CREDENTIALS'])
  })
})
