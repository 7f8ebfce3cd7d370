import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { race } from '../testing/race.js'

const email = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`

// A caller holding users.manageServices (and reading users) as Bobsled's Member does, and
// no other user management.
describe('service accounts without user management (users.manageServices)', () => {
  let h: ApiHarness
  let managerId: string
  let personId: string
  let outsiderId: string
  let manager: ReturnType<ApiHarness['callAs']>

  beforeAll(async () => {
    h = await createApiHarness()
    managerId = await h.addUser('manager@example.com', h.adminId)
    personId = await h.addUser('person@example.com', managerId)
    outsiderId = await h.addUser('outsider@example.com', h.adminId)
    await h.grant(managerId, { 'users.read': 'OWNED', 'users.manageServices': 'OWNED' })
    manager = h.callAs(managerId)
  })
  afterAll(() => h.dispose())

  const userRow = (id: string) =>
    h.database.db
      .selectFrom('users')
      .select(['email', 'display_name', 'kind', 'status', 'parent_id'])
      .where('id', '=', id)
      .executeTakeFirst()

  it('creates an active service account with no roles, renames it and deletes it', async () => {
    const created = await manager.users.createService({
      email: email('etl'),
      displayName: 'ETL',
      parentId: managerId,
    })
    expect(created).toMatchObject({ kind: 'service', status: 'active', parentId: managerId })
    expect(await h.callAs(h.adminId).users.roles({ id: created.id })).toEqual([])

    const renamed = await manager.users.updateService({ id: created.id, displayName: 'ETL nightly' })
    expect(renamed.displayName).toBe('ETL nightly')

    const deleted = await manager.users.deleteService({ id: created.id })
    expect(deleted).toMatchObject({ id: created.id, movedChildren: 0 })
    expect(await userRow(created.id)).toBeUndefined()
  })

  it('gives no right over people: users.create and the user procedures stay refused', async () => {
    const refusals = [
      () => manager.users.create({ email: email('someone'), parentId: managerId }),
      () => manager.users.create({ email: email('robot'), kind: 'service', parentId: managerId }),
      () => manager.users.update({ id: personId, displayName: 'Renamed' }),
      () => manager.users.delete({ id: personId }),
      () => manager.users.deactivate({ id: personId }),
      () => manager.invitations.create({ email: email('invitee'), role: 'public', parentId: managerId }),
    ]
    for (const call of refusals) expect((await failure(call())).code).toBe('FORBIDDEN')

    for (const call of [
      () => manager.users.updateService({ id: personId, displayName: 'Renamed' }),
      () => manager.users.deleteService({ id: personId }),
    ]) {
      const refused = await failure(call())
      expect(refused.code).toBe('BAD_REQUEST')
      expect(refused.message).toBe('Only a service account (a user of kind service) can be managed this way')
    }
    expect(await userRow(personId)).toMatchObject({ display_name: '', status: 'active', kind: 'person' })
  })

  it('stays within its level: a service account elsewhere is NOT_FOUND, as is a parent elsewhere', async () => {
    const elsewhere = await h.callAs(h.adminId).users.create({
      email: email('elsewhere'),
      kind: 'service',
      parentId: outsiderId,
    })
    for (const call of [
      () => manager.users.updateService({ id: elsewhere.id, displayName: 'Mine now' }),
      () => manager.users.deleteService({ id: elsewhere.id }),
      () => manager.users.createService({ email: email('there'), parentId: outsiderId }),
    ]) {
      expect((await failure(call())).code).toBe('NOT_FOUND')
    }
    expect(await userRow(elsewhere.id)).toMatchObject({ display_name: '' })
  })

  it('refuses bad input with its issues and writes nothing', async () => {
    const before = await h.database.db.selectFrom('users').select('id').execute()
    const bad = await failure(manager.users.createService({ email: 'not an email', parentId: 'nope' }))
    expect(bad.code).toBe('BAD_REQUEST')
    expect(
      formatted(bad)
        .inputIssues?.map((issue) => issue.path.join('.'))
        .sort(),
    ).toEqual(['email', 'parentId'])
    const service = await manager.users.createService({ email: email('taken'), parentId: managerId })
    const row = await userRow(service.id)
    const taken = await failure(manager.users.createService({ email: row!.email, parentId: managerId }))
    expect(taken.code).toBe('CONFLICT')
    expect((await failure(manager.users.updateService({ id: service.id }))).code).toBe('BAD_REQUEST')
    await manager.users.deleteService({ id: service.id })
    expect(await h.database.db.selectFrom('users').select('id').execute()).toHaveLength(before.length)
  })

  it('refuses to delete a service account with users under it: moving them is user management', async () => {
    const service = await manager.users.createService({ email: email('parent'), parentId: managerId })
    const child = await h.addUser(email('child'), service.id)
    const refused = await failure(manager.users.deleteService({ id: service.id }))
    expect(refused.code).toBe('BAD_REQUEST')
    expect(refused.message).toMatch(/has users under it/)
    expect(await userRow(service.id)).toMatchObject({ kind: 'service' })
    expect(await userRow(child)).toMatchObject({ parent_id: service.id })
  })

  it('a child added while the service is deleted: either the delete is refused or the child was refused', async () => {
    for (let round = 0; round < 5; round++) {
      const service = await manager.users.createService({ email: email('raced'), parentId: managerId })
      const [deleted, added] = await race(
        manager.users.deleteService({ id: service.id }),
        h.callAs(h.adminId).users.createService({ email: email('under'), parentId: service.id }),
      )
      const survivor = await userRow(service.id)
      if (deleted === 'ok') {
        expect(survivor).toBeUndefined()
        expect(added).toMatch(/^NOT_FOUND/)
      } else {
        expect(added).toBe('ok')
        expect(deleted).toMatch(/^BAD_REQUEST: This service account has users under it/)
        expect(survivor).toMatchObject({ kind: 'service' })
      }
    }
  })
})
