import { entityTypePermission } from '@trellis/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepareDatabase } from '../bootstrap/prepare-database.js'
import { silentLogger } from '../logger.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { race } from '../testing/race.js'

// On PostgreSQL each call of a pair runs on its own pooled connection, so rounds make a
// real overlap near certain; on PGlite the calls serialise and the same must hold.
const ROUNDS = 20

const MACHINE = { initial: 'new', transitions: { go: { from: ['new'], to: 'gone' } } }

describe('entity types under concurrent changes', () => {
  let h: ApiHarness
  const admin = () => h.callAs(h.adminId)
  const grantsOn = (permission: string) =>
    h.database.db.selectFrom('role_grants').select('level').where('permission', '=', permission).execute()
  const recordsOf = (entityType: string) =>
    h.database.db
      .selectFrom('records')
      .innerJoin('entity_types', 'entity_types.id', 'records.entity_type_id')
      .select(['records.id', 'records.owner_id'])
      .where('entity_types.name', '=', entityType)
      .execute()

  beforeAll(async () => {
    h = await createApiHarness()
    await admin().roles.create({ name: 'operator' })
  })
  afterAll(() => h.dispose())

  /** Whether the server would start on this database: the stored roles name only real permissions. */
  const serverStarts = () =>
    prepareDatabase(h.database.db, { adminEmail: 'admin@example.com' }, silentLogger).then(
      (outcome) => outcome.created,
    )

  it('removing a transition against granting it never leaves a grant for it (was: next start refused)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `mach${round}`
      await admin().entityTypes.create({ name, schema: {}, stateMachine: MACHINE })
      const [updated, granted] = await race(
        admin().entityTypes.update({ name, stateMachine: null }),
        admin().roles.setGrant({
          role: 'operator',
          permission: entityTypePermission(name, 'go'),
          grant: 'ALL',
        }),
      )
      expect(updated).toBe('ok')
      // Granted first, the update removes the grant; updated first, the grant is refused.
      expect(['ok', `BAD_REQUEST: Unknown permission: ${name}.go`]).toContain(granted)
      expect(await grantsOn(`${name}.go`)).toEqual([])
    }
    await expect(serverStarts()).resolves.toBe(false)
  })

  it('deleting a type against granting its permission never leaves a grant for it', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `doomed${round}`
      await admin().entityTypes.create({ name, schema: {} })
      const [deleted, granted] = await race(
        admin().entityTypes.delete({ name }),
        admin().roles.setGrant({
          role: 'operator',
          permission: entityTypePermission(name, 'read'),
          grant: 'OWNED',
        }),
      )
      expect(deleted).toBe('ok')
      expect(['ok', `BAD_REQUEST: Unknown permission: ${name}.read`]).toContain(granted)
      expect(await grantsOn(`${name}.read`)).toEqual([])
    }
    await expect(serverStarts()).resolves.toBe(false)
  })

  it('deleting a type against creating a record of it: typed refusal, no record lost (was a 23503 500)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `brief${round}`
      await admin().entityTypes.create({ name, schema: {} })
      const [deleted, created] = await race(
        admin().entityTypes.delete({ name }),
        admin().records.create({ entityType: name, data: { round } }),
      )
      if (deleted === 'ok') {
        expect(created).toBe(`NOT_FOUND: Entity type not found: ${name}`)
        const type = await h.database.db
          .selectFrom('entity_types')
          .select('id')
          .where('name', '=', name)
          .executeTakeFirst()
        expect(type).toBeUndefined()
      } else {
        expect(deleted).toBe(`CONFLICT: Entity type ${name} still has 1 record(s): delete them first`)
        expect(created).toBe('ok')
        expect(await recordsOf(name)).toHaveLength(1)
      }
    }
  })

  it('deleting a type against a role bound scoped to it: no binding outlives its type', async () => {
    const userId = await h.addUser('scoped@example.com', h.adminId)
    for (let round = 0; round < ROUNDS; round++) {
      const name = `scope${round}`
      await admin().entityTypes.create({ name, schema: {} })
      const [deleted, assigned] = await race(
        admin().entityTypes.delete({ name }),
        admin().users.assignRole({ id: userId, role: 'operator', scope: `entityType:${name}` }),
      )
      expect(deleted).toBe('ok')
      expect(['ok', `NOT_FOUND: Entity type not found: ${name}`]).toContain(assigned)
      const bindings = await h.database.db
        .selectFrom('user_roles')
        .select('id')
        .where('scope', '=', `entityType:${name}`)
        .execute()
      expect(bindings).toEqual([])
    }
  })

  it('deleting a user against creating a record it owns: the record goes to the heir or is refused typed', async () => {
    await admin().entityTypes.create({ name: 'memo', schema: {} })
    let createdCount = 0
    for (let round = 0; round < ROUNDS; round++) {
      const userId = await h.addUser(`leaving-${round}@example.com`, h.adminId)
      const [deleted, created] = await race(
        admin().users.delete({ id: userId }),
        admin().records.create({ entityType: 'memo', ownerId: userId, data: { round } }),
      )
      expect(deleted).toBe('ok')
      const records = (await recordsOf('memo')).filter((record) => record.owner_id === userId)
      expect(records).toEqual([])
      if (created === 'ok') createdCount++
      else expect(created).toBe('NOT_FOUND: User not found')
    }
    // Every record created is still there, handed to the heir (the deleted users' parent).
    const kept = await recordsOf('memo')
    expect(kept).toHaveLength(createdCount)
    expect(kept.every((record) => record.owner_id === h.adminId)).toBe(true)
  })
})
