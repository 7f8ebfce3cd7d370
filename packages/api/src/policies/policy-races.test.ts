import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { race } from '../testing/race.js'

// On PostgreSQL each call of a pair runs on its own pooled connection, so rounds make a
// real overlap near certain; on PGlite the calls serialise and the same must hold.
const ROUNDS = 20

describe('policies under concurrent changes', () => {
  let h: ApiHarness
  const admin = () => h.callAs(h.adminId)
  const db = () => h.database.db
  const segmentOf = (policy: string) =>
    db()
      .selectFrom('policy_types')
      .innerJoin('policies', 'policies.id', 'policy_types.policy_id')
      .innerJoin('entity_types', 'entity_types.id', 'policy_types.entity_type_id')
      .select('entity_types.name')
      .where('policies.name', '=', policy)
      .execute()
  const scopedTo = async (scope: string) => ({
    roles: await db().selectFrom('user_roles').select('id').where('scope', '=', scope).execute(),
    invitations: await db()
      .selectFrom('invitation_bindings')
      .select('user_id')
      .where('scope', '=', scope)
      .execute(),
  })

  beforeAll(async () => {
    h = await createApiHarness()
    await admin().roles.create({ name: 'partner', grants: { 'records.read': 'ALL' } })
    await admin().entityTypes.create({ name: 'sensors', schema: { type: 'object' } })
    await admin().entityTypes.create({ name: 'gauges', schema: { type: 'object' } })
  })
  afterAll(() => h.dispose())

  it('two creates of one name: exactly one wins, the other is told NAME_TAKEN and saves nothing', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `twin${round}`
      const outcomes = await race(
        admin().policies.create({ name, types: { sensors: {} } }),
        admin().policies.create({ name, types: { gauges: {} } }),
      )
      expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(1)
      expect(outcomes).toContain(`CONFLICT: Policy ${name} already exists`)
      const winner = outcomes[0] === 'ok' ? 'sensors' : 'gauges'
      expect(await segmentOf(name)).toEqual([{ name: winner }])
    }
  })

  it('deleting a policy against binding a role scoped to it: no binding outlives the policy', async () => {
    const userId = await h.addUser('consumer@example.com', h.adminId)
    for (let round = 0; round < ROUNDS; round++) {
      const name = `bound${round}`
      await admin().policies.create({ name, types: { sensors: {} } })
      const [deleted, assigned] = await race(
        admin().policies.delete({ name }),
        admin().users.assignRole({ id: userId, role: 'partner', scope: `policy:${name}` }),
      )
      expect(deleted).toBe('ok')
      expect(['ok', `NOT_FOUND: Policy not found: ${name}`]).toContain(assigned)
      expect(await scopedTo(`policy:${name}`)).toEqual({ roles: [], invitations: [] })
    }
  })

  it('deleting a policy against inviting someone with a binding scoped to it: none outlives it', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `invited${round}`
      await admin().policies.create({ name, types: { sensors: {} } })
      const [deleted, invited] = await race(
        admin().policies.delete({ name }),
        admin().invitations.create({
          email: `invitee${round}@example.com`,
          parentId: h.adminId,
          role: 'partner',
          scope: `policy:${name}`,
        }),
      )
      expect(deleted).toBe('ok')
      expect(['ok', `BAD_REQUEST: No policy named ${name}`]).toContain(invited)
      expect(await scopedTo(`policy:${name}`)).toEqual({ roles: [], invitations: [] })
    }
  })

  it('deleting an entity type against a policy covering it: one of the two is refused, typed', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const type = `covered${round}`
      const policy = `cover${round}`
      await admin().entityTypes.create({ name: type, schema: { type: 'object' } })
      const [deleted, created] = await race(
        admin().entityTypes.delete({ name: type }),
        admin().policies.create({ name: policy, types: { [type]: {} } }),
      )
      if (deleted === 'ok') {
        expect(created).toBe(
          `BAD_REQUEST: Invalid policy ${policy}: types.${type}: No entity type named ${type}`,
        )
        expect(await db().selectFrom('policies').select('id').where('name', '=', policy).execute()).toEqual(
          [],
        )
      } else {
        expect(deleted).toBe(
          `CONFLICT: Entity type ${type} is covered by policies ${policy}: remove it from them first`,
        )
        expect(created).toBe('ok')
        expect(await segmentOf(policy)).toEqual([{ name: type }])
      }
    }
  })

  it('deleting an entity type against a policy update adding it: never a segment row without its type', async () => {
    await admin().policies.create({ name: 'growing', types: { sensors: {} } })
    for (let round = 0; round < ROUNDS; round++) {
      const type = `added${round}`
      await admin().entityTypes.create({ name: type, schema: { type: 'object' } })
      const [deleted, updated] = await race(
        admin().entityTypes.delete({ name: type }),
        admin().policies.update({ name: 'growing', types: { sensors: {}, [type]: {} } }),
      )
      const segment = (await segmentOf('growing')).map((row) => row.name)
      if (deleted === 'ok') {
        expect(updated).toBe(
          `BAD_REQUEST: Invalid policy growing: types.${type}: No entity type named ${type}`,
        )
        expect(segment).not.toContain(type)
      } else {
        expect(deleted).toBe(
          `CONFLICT: Entity type ${type} is covered by policies growing: remove it from them first`,
        )
        expect(updated).toBe('ok')
        expect(segment).toContain(type)
      }
    }
  })
})
