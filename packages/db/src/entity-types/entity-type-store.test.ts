import type { EntityTypeDefinition } from '@trellis/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { TrellisDatabase } from '../schema/database.js'
import { clearUsers, createTestDatabase, insertNamedTree, type TestDatabase } from '../testing/index.js'
import {
  deleteEntityType,
  existingEntityTypeNames,
  findEntityType,
  findEntityTypeOfRecord,
  insertEntityType,
  loadEntityTypes,
  updateEntityType,
} from './entity-type-store.js'

const CARS: EntityTypeDefinition = {
  description: 'Cars on the lot',
  schema: { type: 'object', properties: { plate: { type: 'string' } } },
  stateMachine: { initial: 'parked', transitions: { drive: { from: ['parked'], to: 'moving' } } },
  references: { garageId: 'garages' },
}

describe('the entity type store', () => {
  let test: TestDatabase
  let db: TrellisDatabase

  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
  })
  afterAll(() => test.dispose())

  beforeEach(async () => {
    await clearUsers(db)
    await db.deleteFrom('entity_types').execute()
  })

  it('stores a definition and reads it back whole, JSON columns typed', async () => {
    expect(await insertEntityType(db, 'cars', CARS)).toBe(true)
    const cars = await findEntityType(db, 'cars')
    expect(cars).toMatchObject({
      name: 'cars',
      description: CARS.description,
      schema: CARS.schema,
      stateMachine: CARS.stateMachine,
      references: CARS.references,
    })
    expect(cars?.createdAt).toBeInstanceOf(Date)
  })

  it('stores absent parts as null and no description as empty', async () => {
    await insertEntityType(db, 'notes', { schema: {} })
    expect(await findEntityType(db, 'notes', { forShare: true })).toMatchObject({
      description: '',
      stateMachine: null,
      references: null,
    })
    const row = await db
      .selectFrom('entity_types')
      .select(['state_machine', 'data_references'])
      .where('name', '=', 'notes')
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ state_machine: null, data_references: null })
  })

  it('inserts a name once: a second insert changes nothing', async () => {
    await insertEntityType(db, 'cars', CARS)
    expect(await insertEntityType(db, 'cars', { schema: {}, description: 'other' })).toBe(false)
    expect((await findEntityType(db, 'cars'))?.description).toBe(CARS.description)
  })

  it('loads every type by name, and tells which names exist', async () => {
    await insertEntityType(db, 'zebras', { schema: {} })
    await insertEntityType(db, 'cars', CARS)
    expect((await loadEntityTypes(db)).map((type) => type.name)).toEqual(['cars', 'zebras'])
    expect(await existingEntityTypeNames(db, ['cars', 'boats'])).toEqual(new Set(['cars']))
    expect(await existingEntityTypeNames(db, [])).toEqual(new Set())
  })

  it('replaces a definition, removing the parts set to nothing, and marks the type changed', async () => {
    await insertEntityType(db, 'cars', CARS)
    const before = (await findEntityType(db, 'cars', { forUpdate: true }))!
    await db
      .updateTable('entity_types')
      .set({ updated_at: new Date('2000-01-01T00:00:00Z') })
      .where('id', '=', before.id)
      .execute()
    await updateEntityType(db, before.id, {
      schema: { type: 'object' },
      stateMachine: null,
      references: null,
    })
    const after = await findEntityType(db, 'cars')
    expect(after).toMatchObject({
      id: before.id,
      description: '',
      schema: { type: 'object' },
      stateMachine: null,
      references: null,
    })
    expect(after!.updatedAt.getTime()).toBeGreaterThan(new Date('2000-01-01T00:00:00Z').getTime())
  })

  it('finds the type of a record, and nothing for an unknown record', async () => {
    await insertEntityType(db, 'cars', CARS)
    const cars = (await findEntityType(db, 'cars'))!
    const { owner } = await insertNamedTree(db, { owner: null })
    const record = await db
      .insertInto('records')
      .values({ entity_type_id: cars.id, owner_id: owner, status: 'parked', data: JSON.stringify({}) })
      .returning('id')
      .executeTakeFirstOrThrow()
    expect(await findEntityTypeOfRecord(db, record.id)).toEqual(cars)
    expect(await findEntityTypeOfRecord(db, '00000000-0000-4000-8000-000000000000')).toBeUndefined()
  })

  it('deletes a type', async () => {
    await insertEntityType(db, 'cars', CARS)
    await deleteEntityType(db, (await findEntityType(db, 'cars'))!.id)
    expect(await findEntityType(db, 'cars')).toBeUndefined()
  })
})
