import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'

// On PostgreSQL each call of a pair runs on its own pooled connection, so rounds make a
// real overlap near certain; on PGlite the calls serialise and the same must hold.
const ROUNDS = 25

/** The outcomes of calls started together, as `ok` or the tRPC error code and message. */
async function race(...calls: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(calls)
  return settled.map((outcome) =>
    outcome.status === 'fulfilled'
      ? 'ok'
      : `${(outcome.reason as { code?: string }).code}: ${(outcome.reason as Error).message}`,
  )
}

describe('roles router', () => {
  let h: ApiHarness
  const admin = () => h.callAs(h.adminId)

  beforeAll(async () => {
    h = await createApiHarness()
  })
  afterAll(() => h.dispose())

  describe('races answer typed errors, never a 500', () => {
    it('two creates of one name: one succeeds, the other is CONFLICT (was a 23505 500)', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const name = `twin-${round}`
        const outcomes = await race(admin().roles.create({ name }), admin().roles.create({ name }))
        expect(outcomes.sort()).toEqual([`CONFLICT: A role named ${name} already exists`, 'ok'])
      }
    })

    it('delete against assignRole of that role: one wins and the end state matches it (was a 23503 500)', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const name = `doomed-${round}`
        await admin().roles.create({ name, grants: { 'users.read': 'SELF' } })
        const userId = await h.addUser(`doomed-${round}@example.com`, h.adminId)
        const [deleted, assigned] = await race(
          admin().roles.delete({ name }),
          admin().users.assignRole({ userId, role: name }),
        )
        const role = await h.database.db
          .selectFrom('roles')
          .select('id')
          .where('name', '=', name)
          .executeTakeFirst()
        const bindings = await h.database.db
          .selectFrom('user_roles')
          .select('id')
          .where('user_id', '=', userId)
          .execute()
        if (deleted === 'ok') {
          expect(assigned).toBe(`NOT_FOUND: Role not found: ${name}`)
          expect(role).toBeUndefined()
          expect(bindings).toHaveLength(0)
        } else {
          expect(deleted).toBe(`CONFLICT: Role ${name} is assigned to 1 user(s): unassign it first`)
          expect(assigned).toBe('ok')
          expect(role).toBeDefined()
          expect(bindings).toHaveLength(1)
        }
      }
    })
  })
})
