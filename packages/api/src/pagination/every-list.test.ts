import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import { reasonOf } from '../errors/trellis-error.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'
import { walkPages } from '../testing/walk-pages.js'

describe('every list is paged the same way', () => {
  let h: ApiHarness
  const admin = () => h.callAs(h.adminId)
  // admin ─┬─ lead ─┬─ 3 invited people
  //        │        └─ robot (a service account with 5 keys)
  //        ├─ 2 invited people, other-robot (1 key): outside lead's OWNED level
  //        └─ reader (entityTypes.read scoped to 3 of 5 types)
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    h = await createApiHarness()
    ids.lead = await h.addUser('lead@example.com', h.adminId)
    await h.grant(ids.lead, { 'invitations.read': 'OWNED', 'apiKeys.read': 'OWNED', 'roles.read': true })
    await admin().roles.create({ name: 'member', grants: {} })
    for (const [name, parentId] of [
      ['in-1', ids.lead],
      ['out-1', h.adminId],
      ['in-2', ids.lead],
      ['out-2', h.adminId],
      ['in-3', ids.lead],
    ] as const) {
      await admin().invitations.create({ email: `${name}@example.com`, role: 'member', parentId })
    }
    ids.robot = (
      await admin().users.create({ email: 'robot@example.com', kind: 'service', parentId: ids.lead })
    ).id
    for (const name of ['k1', 'k2', 'k3', 'k4', 'k5'])
      await admin().apiKeys.create({ userId: ids.robot, name })
    ids.otherRobot = (
      await admin().users.create({ email: 'other-robot@example.com', kind: 'service', parentId: h.adminId })
    ).id
    await admin().apiKeys.create({ userId: ids.otherRobot, name: 'other' })
    for (const name of ['alpha', 'bravo', 'charlie', 'delta', 'echo']) {
      await admin().entityTypes.create({ name, schema: { type: 'object' } })
    }
    ids.reader = await h.addUser('reader@example.com', h.adminId)
    await admin().roles.create({ name: 'type-reader', grants: { 'entityTypes.read': true } })
    for (const type of ['bravo', 'delta', 'echo']) {
      await admin().users.assignRole({ id: ids.reader, role: 'type-reader', scope: `entityType:${type}` })
    }
  })
  afterAll(() => h.dispose())

  const lead = () => h.callAs(ids.lead!)

  it('invitations.list: pages newest first, and only within the level', async () => {
    const first = await lead().invitations.list({ limit: 2 })
    expect(first.items.map((entry) => entry.user.email)).toEqual(['in-3@example.com', 'in-2@example.com'])
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await lead().invitations.list({ limit: 2, cursor: first.nextCursor! })
    expect(second.items.map((entry) => entry.user.email)).toEqual(['in-1@example.com'])
    expect(second.nextCursor).toBeNull()
    // The admin sees all five, also across pages.
    const everyone = await walkPages((cursor) => admin().invitations.list({ limit: 2, cursor }))
    expect(everyone.sizes).toEqual([2, 2, 1])
    expect(everyone.items.map((entry) => entry.user.email)).toEqual(
      ['in-3', 'out-2', 'in-2', 'out-1', 'in-1'].map((name) => `${name}@example.com`),
    )
  })

  it("apiKeys.list: pages a service account's keys newest first; one outside the level is NOT_FOUND, cursor or not", async () => {
    const keys = await walkPages((cursor) => lead().apiKeys.list({ userId: ids.robot!, limit: 2, cursor }))
    expect(keys.sizes).toEqual([2, 2, 1])
    expect(keys.items.map((key) => key.name)).toEqual(['k5', 'k4', 'k3', 'k2', 'k1'])
    const { nextCursor } = await lead().apiKeys.list({ userId: ids.robot!, limit: 2 })
    for (const cursor of [undefined, nextCursor!]) {
      const outside = await failure(lead().apiKeys.list({ userId: ids.otherRobot!, limit: 2, cursor }))
      expect(outside.code).toBe('NOT_FOUND')
    }
  })

  it('roles.list: pages every role by name; no input is the first page of 50', async () => {
    const stored = await h.database.db.selectFrom('roles').select('name').orderBy('name').execute()
    const roles = await walkPages((cursor) => lead().roles.list({ limit: 2, cursor }))
    expect(roles.items.map((role) => role.name)).toEqual(stored.map((role) => role.name))
    expect(roles.sizes.slice(0, -1).every((size) => size === 2)).toBe(true)
    expect(roles.items.find((role) => role.name === 'type-reader')?.grants).toEqual({
      'entityTypes.read': true,
    })
    expect(await lead().roles.list()).toEqual({ items: roles.items, nextCursor: null })
  })

  it('entityTypes.list: pages by name, only the types the scoped bindings name', async () => {
    const types = await walkPages((cursor) => h.callAs(ids.reader!).entityTypes.list({ limit: 2, cursor }))
    expect(types.sizes).toEqual([2, 1])
    expect(types.items.map((type) => type.name)).toEqual(['bravo', 'delta', 'echo'])
    const all = await walkPages((cursor) => admin().entityTypes.list({ limit: 2, cursor }))
    expect(all.items.map((type) => type.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo'])
  })

  it('every list procedure takes a cursor and refuses a bad one with BAD_REQUEST INVALID_CURSOR', async () => {
    const cursor = 'not-a-cursor'
    const lists: Record<string, () => Promise<unknown>> = {
      'apiKeys.list': () => admin().apiKeys.list({ userId: ids.robot!, cursor }),
      'audit.list': () => admin().audit.list({ cursor }),
      'entityTypes.list': () => admin().entityTypes.list({ cursor }),
      'invitations.list': () => admin().invitations.list({ cursor }),
      'policies.list': () => admin().policies.list({ cursor }),
      'records.list': () => admin().records.list({ cursor }),
      'roles.list': () => admin().roles.list({ cursor }),
      'users.list': () => admin().users.list({ cursor }),
      'users.children': () => admin().users.children({ id: h.adminId, cursor }),
      'webhookSubscribers.list': () => admin().webhookSubscribers.list({ cursor }),
    }
    const listProcedures = Object.keys(appRouter._def.procedures).filter((path) => path.endsWith('.list'))
    expect(listProcedures.filter((path) => !(path in lists))).toEqual([])
    for (const [path, call] of Object.entries(lists)) {
      const error = await failure(call())
      expect([error.code, reasonOf(error)], path).toEqual(['BAD_REQUEST', 'INVALID_CURSOR'])
    }
  })
})
