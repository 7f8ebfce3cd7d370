import { createTestDatabase, type TestDatabase } from '@trellis/db/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../logger.js'
import { PRESETS, type PresetName } from '../presets/presets.js'
import { prepareDatabase } from './prepare-database.js'
import { checkRecordedPreset, PresetMismatchError } from './recorded-preset.js'

/** Prepares `db` as the server does for `TRELLIS_PRESET=name` (unset: no preset). */
function prepareWith(test: TestDatabase, name?: PresetName) {
  const preset = name ? PRESETS[name] : undefined
  return prepareDatabase(
    test.db,
    {
      ...(preset
        ? { preset: name, entityTypes: preset.entityTypes, roles: preset.roles, adminRole: preset.adminRole }
        : {}),
      adminEmail: 'root@example.com',
      adminPassword: 'a long enough secret',
    },
    silentLogger,
  )
}

const roleNames = async (test: TestDatabase) =>
  (await test.db.selectFrom('roles').select('name').orderBy('name').execute()).map((row) => row.name)
const typeNames = async (test: TestDatabase) =>
  (await test.db.selectFrom('entity_types').select('name').orderBy('name').execute()).map((row) => row.name)
const refusal = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: unknown) => error as Error,
  )

const START_FRESH =
  'start it as it was set up, or start fresh with a new TRELLIS_DATA_DIR (or an empty database for DATABASE_URL)'

// Regression (issue 10): a start with another TRELLIS_PRESET than the database was set up
// with silently added the second preset's roles and entity types to the first's.
describe('the recorded preset', () => {
  let test: TestDatabase
  beforeEach(async () => {
    test = await createTestDatabase()
  })
  afterEach(() => test.dispose())

  it('refuses a preset on a database set up without one, and stores nothing of it', async () => {
    await prepareWith(test)
    const before = { roles: await roleNames(test), types: await typeNames(test) }
    const error = await refusal(prepareWith(test, 'orb'))
    expect(error).toBeInstanceOf(PresetMismatchError)
    expect(error?.message).toBe(
      `This database was set up without TRELLIS_PRESET, and this server starts with TRELLIS_PRESET=orb: ${START_FRESH}`,
    )
    expect({ roles: await roleNames(test), types: await typeNames(test) }).toEqual(before)
  })

  it('refuses no preset on a database set up with one', async () => {
    await prepareWith(test, 'bobsled')
    const error = await refusal(prepareWith(test))
    expect(error).toBeInstanceOf(PresetMismatchError)
    expect(error?.message).toBe(
      `This database was set up with TRELLIS_PRESET=bobsled, and this server starts without TRELLIS_PRESET: ${START_FRESH}`,
    )
    expect(await roleNames(test)).not.toContain('admin')
  })

  it('refuses one preset on a database set up with another', async () => {
    await prepareWith(test, 'orb')
    const error = await refusal(prepareWith(test, 'bitbroker'))
    expect(error?.message).toMatch(
      /^This database was set up with TRELLIS_PRESET=orb, and this server starts with TRELLIS_PRESET=bitbroker:/,
    )
    expect(await roleNames(test)).not.toContain('coordinator')
  })

  it('restarts with the same preset, or the same absence of one', async () => {
    await prepareWith(test, 'orb')
    await expect(prepareWith(test, 'orb')).resolves.toMatchObject({ created: false })
    const other = await createTestDatabase()
    try {
      await prepareWith(other)
      await expect(prepareWith(other)).resolves.toMatchObject({ created: false })
    } finally {
      await other.dispose()
    }
  })

  it('adopts a database set up before presets were recorded when its administrator role matches', async () => {
    await prepareWith(test, 'orb')
    await test.db.deleteFrom('settings').execute()
    const error = await refusal(prepareWith(test, 'bobsled'))
    expect(error?.message).toBe(
      `This database was set up before Trellis recorded presets and has no "owner" role, so not with TRELLIS_PRESET=bobsled: ${START_FRESH}`,
    )
    expect(await refusal(prepareWith(test))).toBeInstanceOf(PresetMismatchError)
    await expect(prepareWith(test, 'orb')).resolves.toMatchObject({ created: false })
    const recorded = await test.db.selectFrom('settings').select(['name', 'value']).execute()
    expect(recorded).toEqual([{ name: 'preset', value: 'orb' }])
    expect(await refusal(prepareWith(test))).toBeInstanceOf(PresetMismatchError)
  })

  it('lets exactly one preset win when first starts with different presets race', async () => {
    for (let round = 0; round < 5; round++) {
      await test.db.deleteFrom('settings').execute()
      const presets = Array.from({ length: 12 }, (_, index) => (index % 2 ? 'orb' : 'bobsled'))
      const results = await Promise.allSettled(
        presets.map((name) =>
          checkRecordedPreset(test.db, { name, adminRole: PRESETS[name].adminRole }, silentLogger),
        ),
      )
      const recorded = await test.db.selectFrom('settings').select(['name', 'value']).execute()
      expect(recorded).toHaveLength(1)
      results.forEach((result, index) => {
        if (presets[index] === recorded[0]?.value) expect(result.status).toBe('fulfilled')
        else expect(result.status === 'rejected' && result.reason).toBeInstanceOf(PresetMismatchError)
      })
    }
  })

  it('refuses the loser of two racing first starts before it stores anything', async () => {
    const results = await Promise.allSettled([prepareWith(test, 'orb'), prepareWith(test, 'bitbroker')])
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected'])
    const rejected = results.find((result) => result.status === 'rejected')
    expect(rejected?.reason).toBeInstanceOf(PresetMismatchError)
    const loser = results[0].status === 'rejected' ? PRESETS.orb : PRESETS.bitbroker
    expect(await roleNames(test)).not.toContain(loser.adminRole)
    expect(await typeNames(test)).not.toContain(Object.keys(loser.entityTypes)[0])
  })

  // Regression: two first starts with the same preset at once both stored its roles, and
  // one failed on the unique role name (PostgreSQL).
  it('lets racing first starts with the same preset both start, with one administrator', async () => {
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => prepareWith(test, 'bobsled')))
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ])
    const created = results.filter((result) => result.status === 'fulfilled' && result.value.created)
    expect(created).toHaveLength(1)
    expect(await roleNames(test)).toContain(PRESETS.bobsled.adminRole)
    const users = await test.db.selectFrom('users').select('email').execute()
    expect(users).toEqual([{ email: 'root@example.com' }])
  })
})
