import { randomUUID } from 'node:crypto'
import { entityTypePermission } from '@trellis/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'

describe('access.explain on records', () => {
  let h: ApiHarness
  // admin ── boss ─┬─ alice
  //                └─ bob
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)
  const alice = () => h.callAs(ids.alice!)

  beforeAll(async () => {
    h = await createApiHarness()
    ids.boss = await h.addUser('boss@example.com', h.adminId)
    ids.alice = await h.addUser('alice@example.com', ids.boss)
    ids.bob = await h.addUser('bob@example.com', ids.boss)
    await admin().entityTypes.create({ name: 'cars', schema: {} })
    await admin().entityTypes.create({ name: 'trucks', schema: {} })
    // Alice may explain only herself, and read her own cars.
    await h.grant(ids.alice!, { 'access.explain': 'SELF', 'cars.read': 'SELF' })
    await h.grant(ids.boss!, { 'access.explain': 'OWNED', 'cars.read': 'SELF' })
    const create = (entityType: string, ownerId: string) =>
      admin()
        .records.create({ entityType, data: {}, ownerId })
        .then((record) => record.id)
    ids.aliceCar = await create('cars', ids.alice!)
    ids.bobCar = await create('cars', ids.bob!)
    ids.bobTruck = await create('trucks', ids.bob!)
  })
  afterAll(() => h.dispose())

  const explainError = async (recordId: string, permission = entityTypePermission('cars', 'read')) => {
    const error = await failure(alice().access.explain({ userId: ids.alice!, permission, recordId }))
    return { code: error.code, message: error.message }
  }

  // Regression: a record outside the caller's level was explained ("The record is outside
  // level SELF", "…is of entity type trucks, not cars") while an unknown id was NOT_FOUND,
  // so explain told which ids exist and their type.
  it('answers a record outside the caller level exactly as an unknown id', async () => {
    const unknown = await explainError(randomUUID())
    expect(unknown).toEqual({ code: 'NOT_FOUND', message: 'Record not found' })
    expect(await explainError(ids.bobCar!)).toEqual(unknown)
    expect(await explainError(ids.bobTruck!)).toEqual(unknown)
    expect(await explainError(ids.bobTruck!, entityTypePermission('trucks', 'read'))).toEqual(unknown)
  })

  it('still explains a record within the caller level', async () => {
    const own = await alice().access.explain({
      userId: ids.alice!,
      permission: entityTypePermission('cars', 'read'),
      recordId: ids.aliceCar!,
    })
    expect([own.allowed, own.level]).toEqual([true, 'SELF'])
    // The boss sees Bob's car (OWNED), and learns that Alice's SELF grant does not reach it.
    const outside = await h.callAs(ids.boss!).access.explain({
      userId: ids.alice!,
      permission: entityTypePermission('cars', 'read'),
      recordId: ids.bobCar!,
    })
    expect([outside.allowed, outside.reason]).toEqual([false, 'The record is outside level SELF'])
  })
})
