import { createTestDatabase } from '@trellis/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepareDatabase } from '../bootstrap/prepare-database.js'
import { silentLogger } from '../logger.js'
import type { GrantablePermission } from '../permissions.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'

// Keys every plain object answers to through Object.prototype. Looked up with `obj[name]`,
// they were taken as declared permissions (`roles.setGrant` said "constructor is function
// Object()…", `access.explain` answered `kind: {}`) and as transitions (500).
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']

/** How a call fails: code and message, as the client sees them. */
const refusal = async (call: Promise<unknown>) => {
  const error = await failure(call)
  return { code: error.code, message: formatted(error).message }
}

describe('names that are Object.prototype keys are unknown like any other name', () => {
  let h: ApiHarness
  let carId: string
  const admin = () => h.callAs(h.adminId)

  beforeAll(async () => {
    h = await createApiHarness()
    await admin().entityTypes.create({
      name: 'cars',
      schema: { type: 'object', properties: { constructor: { type: 'string' } } },
      stateMachine: { initial: 'parked', transitions: { drive: { from: ['parked'], to: 'moving' } } },
      // A reference field may be called `constructor`: only the type's own fields count.
      references: { constructor: 'cars' },
    })
    await admin().entityTypes.create({
      name: 'bikes',
      schema: { type: 'object', required: ['toString'], properties: { toString: { type: 'string' } } },
    })
    carId = (await admin().records.create({ entityType: 'cars', data: {} })).id
  })
  afterAll(() => h.dispose())

  it('roles.setGrant and roles.create answer "Unknown permission"', async () => {
    for (const name of [...PROTOTYPE_NAMES, 'nonsense']) {
      expect(
        await refusal(
          admin().roles.setGrant({ role: 'admin', permission: name as GrantablePermission, grant: true }),
        ),
      ).toEqual({
        code: 'BAD_REQUEST',
        message: `Unknown permission: ${name}`,
      })
      if (name === '__proto__') continue // as an object key: see the next test
      expect(await refusal(admin().roles.create({ name: 'clerk', grants: { [name]: true } }))).toEqual({
        code: 'BAD_REQUEST',
        message: `Unknown permission: ${name}`,
      })
    }
  })

  it('a __proto__ key in grants is refused, not dropped, and pollutes nothing', async () => {
    const grants = JSON.parse('{"__proto__": "ALL", "users.read": "ALL"}')
    const error = await failure(admin().roles.create({ name: 'clerk', grants }))
    expect(error.code).toBe('BAD_REQUEST')
    expect(formatted(error).inputIssues).toMatchObject([{ path: ['grants'] }])
    expect((await admin().roles.list()).items).not.toContainEqual(expect.objectContaining({ name: 'clerk' }))
    expect(({} as Record<string, unknown>).users).toBeUndefined()
  })

  it('access.explain answers "Unknown permission"', async () => {
    for (const name of [...PROTOTYPE_NAMES, 'nonsense']) {
      expect(
        await refusal(admin().access.explain({ userId: h.adminId, permission: name as GrantablePermission })),
      ).toEqual({
        code: 'BAD_REQUEST',
        message: `Unknown permission: ${name}`,
      })
    }
  })

  it('records.transition answers "no transition"', async () => {
    for (const name of [...PROTOTYPE_NAMES, 'nonsense']) {
      expect(await refusal(admin().records.transition({ id: carId, name }))).toEqual({
        code: 'BAD_REQUEST',
        message: `Entity type cars has no transition ${name}`,
      })
    }
  })

  it('record data with a __proto__ key is refused and pollutes nothing', async () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}}')
    const error = await failure(admin().records.create({ entityType: 'cars', data }))
    expect(formatted(error)).toMatchObject({ inputIssues: [{ path: ['data'] }] })
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })

  it("a schema sees only the data's own fields (regression: Object.prototype met `required: [toString]`)", async () => {
    const error = await failure(admin().records.create({ entityType: 'bikes', data: {} }))
    expect(formatted(error)).toMatchObject({
      inputIssues: [{ code: 'required', path: ['data', 'toString'] }],
    })
    const bike = await admin().records.create({ entityType: 'bikes', data: { toString: 'a string' } })
    expect(bike.data).toEqual({ toString: 'a string' })
  })

  it('a reference field named constructor is read from the data only (regression: removing it was refused)', async () => {
    const other = await admin().records.create({ entityType: 'cars', data: { constructor: carId } })
    expect(other.data).toEqual({ constructor: carId })
    const cleared = await admin().records.update({ id: other.id, data: {} })
    expect(cleared.data).toEqual({})
  })

  it('a role named constructor does not stop the server from starting again (regression: TypeError)', async () => {
    await admin().roles.create({ name: 'constructor', grants: { 'users.read': 'ALL' } })
    const again = await prepareDatabase(
      h.database.db,
      { adminEmail: 'admin@example.com', adminPassword: 'correct horse battery' },
      silentLogger,
    )
    expect(again.created).toBe(false)
  })
})

describe('a config naming Object.prototype keys does not start', () => {
  it('refuses a reference to an entity type called constructor, and such an admin role', async () => {
    const database = await createTestDatabase()
    try {
      const start = (options: object) =>
        prepareDatabase(database.db, { adminEmail: 'root@example.com', ...options }, silentLogger)
      const cars = { schema: { type: 'object' }, references: { towedBy: 'constructor' } }
      await expect(start({ entityTypes: { cars } })).rejects.toThrow(
        'Entity type cars: references unknown entity type constructor',
      )
      await expect(start({ adminRole: 'toString' })).rejects.toThrow(
        'The administrator role "toString" must be defined and protected',
      )
    } finally {
      await database.dispose()
    }
  })
})
