import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'

// A type's `references` say which data fields hold another record's id: a write must name
// a record of that type which the writer can read, and nothing tells the cases apart.
describe('record references', () => {
  let h: ApiHarness
  // admin ── alice, bob (siblings)
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)
  const as = (name: string) => h.callAs(ids[name]!)

  beforeAll(async () => {
    h = await createApiHarness()
    ids.alice = await h.addUser('alice@example.com', h.adminId)
    ids.bob = await h.addUser('bob@example.com', h.adminId)
    await admin().entityTypes.create({ name: 'garages', schema: { type: 'object' } })
    await admin().entityTypes.create({ name: 'boats', schema: { type: 'object' } })
    await admin().entityTypes.create({
      name: 'cars',
      schema: { type: 'object', properties: { garageId: { type: 'string' } } },
      references: { garageId: 'garages' },
    })
    for (const name of ['alice', 'bob']) {
      await h.grant(ids[name]!, {
        'garages.read': 'SELF',
        'garages.create': 'SELF',
        'cars.create': 'SELF',
        'cars.update': 'SELF',
        'cars.read': 'SELF',
        'boats.read': 'SELF',
        'boats.create': 'SELF',
      })
    }
  })
  afterAll(() => h.dispose())

  it('shows the references on the type', async () => {
    expect((await admin().entityTypes.get({ name: 'cars' })).references).toEqual({ garageId: 'garages' })
  })

  it('accepts a record of the referenced type the writer can read', async () => {
    const garage = await as('alice').records.create({ entityType: 'garages', data: {} })
    const car = await as('alice').records.create({ entityType: 'cars', data: { garageId: garage.id } })
    expect(car.data).toEqual({ garageId: garage.id })
  })

  it('refuses, alike, a record the writer cannot read, one of another type, and one that does not exist', async () => {
    const bobsGarage = await as('bob').records.create({ entityType: 'garages', data: {} })
    const alicesBoat = await as('alice').records.create({ entityType: 'boats', data: {} })
    for (const garageId of [bobsGarage.id, alicesBoat.id, randomUUID()]) {
      const error = await failure(as('alice').records.create({ entityType: 'cars', data: { garageId } }))
      expect(error.code).toBe('BAD_REQUEST')
      expect(formatted(error).inputIssues).toEqual([
        {
          code: 'reference',
          path: ['data', 'garageId'],
          message: 'must be the id of a garages record you can read',
        },
      ])
    }
    const cars = await admin().records.list({ entityType: 'cars', ownerId: ids.alice! })
    expect(cars.items.every((car) => car.data.garageId !== bobsGarage.id)).toBe(true)
  })

  it('does not check again a reference an update leaves as it was', async () => {
    // The admin puts alice's car in bob's garage; alice may still edit the rest of it.
    const bobsGarage = await as('bob').records.create({ entityType: 'garages', data: {} })
    const car = await admin().records.create({
      entityType: 'cars',
      ownerId: ids.alice!,
      data: { garageId: bobsGarage.id },
    })
    const kept = await as('alice').records.update({
      id: car.id,
      data: { garageId: bobsGarage.id, note: 'x' },
    })
    expect(kept.data).toEqual({ garageId: bobsGarage.id, note: 'x' })
    const swapped = await failure(
      as('alice').records.update({
        id: car.id,
        data: { garageId: (await as('bob').records.create({ entityType: 'garages', data: {} })).id },
      }),
    )
    expect(swapped.code).toBe('BAD_REQUEST')
  })

  it('refuses a type that references an unknown type, and deleting a type others reference', async () => {
    const unknown = await failure(
      admin().entityTypes.create({ name: 'bikes', schema: {}, references: { shedId: 'sheds' } }),
    )
    expect([unknown.code, unknown.message]).toEqual([
      'BAD_REQUEST',
      'Invalid entity type bikes: references unknown entity types sheds',
    ])
    await admin().entityTypes.create({ name: 'sheds', schema: {} })
    await admin().entityTypes.create({ name: 'bikes', schema: {}, references: { shedId: 'sheds' } })
    const referenced = await failure(admin().entityTypes.delete({ name: 'sheds' }))
    expect([referenced.code, referenced.message]).toEqual([
      'CONFLICT',
      'Entity type sheds is referenced by bikes: remove those references first',
    ])
    await admin().entityTypes.update({ name: 'bikes', references: null })
    await expect(admin().entityTypes.delete({ name: 'sheds' })).resolves.toMatchObject({ name: 'sheds' })
  })
})
