import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'
import { race } from '../testing/race.js'

// On PostgreSQL each call of a pair runs on its own pooled connection, so rounds make a
// real overlap near certain; on PGlite the calls serialise and the same must hold.
const ROUNDS = 25

describe('roles router', () => {
  let h: ApiHarness
  const admin = () => h.callAs(h.adminId)

  const grantOf = async (role: string, permission: string) => {
    const row = await h.database.db
      .selectFrom('role_grants')
      .innerJoin('roles', 'roles.id', 'role_grants.role_id')
      .select('role_grants.level')
      .where('roles.name', '=', role)
      .where('role_grants.permission', '=', permission)
      .executeTakeFirst()
    return row === undefined ? undefined : (row.level ?? true)
  }
  /** Writes a grant straight into the table, to reset a round. */
  const storeGrant = async (role: string, permission: string, level: string | null) => {
    const { id } = await h.database.db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', role)
      .executeTakeFirstOrThrow()
    await h.database.db
      .insertInto('role_grants')
      .values({ role_id: id, permission, level: level as never })
      .onConflict((conflict) =>
        conflict.columns(['role_id', 'permission']).doUpdateSet({ level: level as never }),
      )
      .execute()
  }

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
          admin().users.assignRole({ id: userId, role: name }),
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

    it('users.delete against assignRole to that user: the user goes with no binding left (was a 23503 500)', async () => {
      await admin().roles.create({ name: 'reader', grants: { 'users.read': 'SELF' } })
      for (let round = 0; round < ROUNDS; round++) {
        const userId = await h.addUser(`assigned-${round}@example.com`, h.adminId)
        const [deleted, assigned] = await race(
          admin().users.delete({ id: userId }),
          admin().users.assignRole({ id: userId, role: 'reader' }),
        )
        expect(deleted).toBe('ok')
        expect(['ok', 'NOT_FOUND: User not found']).toContain(assigned)
        const bindings = await h.database.db
          .selectFrom('user_roles')
          .select('id')
          .where('user_id', '=', userId)
          .execute()
        expect(bindings).toEqual([])
      }
    })

    it('users.delete against re-assigning a protected role the user holds: no deadlock (500)', async () => {
      // The delete locks the user's protected roles then the user; the assign must not
      // hold the user while it waits for the role.
      for (let round = 0; round < ROUNDS; round++) {
        const userId = await h.addUser(`deputy-${round}@example.com`, h.adminId)
        await admin().users.assignRole({ id: userId, role: 'admin' })
        const [deleted, assigned] = await race(
          admin().users.delete({ id: userId }),
          admin().users.assignRole({ id: userId, role: 'admin' }),
        )
        expect(deleted).toBe('ok')
        expect(['ok', 'NOT_FOUND: User not found']).toContain(assigned)
      }
    })
  })

  describe('a narrow roles.update holder cannot cripple the protected role', () => {
    const ids: Record<string, string> = {}
    const keeper = () => h.callAs(ids.keeper!)

    beforeAll(async () => {
      ids.keeper = await h.addUser('keeper@example.com', h.adminId)
      // The keeper edits roles and reads audit of its own subtree only.
      await admin().roles.create({
        name: 'keeper',
        grants: { 'roles.read': true, 'roles.update': true, 'audit.read': 'OWNED' },
      })
      await admin().users.assignRole({ id: ids.keeper!, role: 'keeper' })
      await admin().roles.create({ name: 'auditor', grants: { 'audit.read': 'ALL' } })
    })

    it('refuses lowering a grant held above the caller (was allowed: admin audit.read ALL -> OWNED)', async () => {
      const error = await failure(
        keeper().roles.setGrant({ role: 'admin', permission: 'audit.read', grant: 'OWNED' }),
      )
      expect([error.code, error.message]).toEqual([
        'FORBIDDEN',
        'Permission required: audit.read at level ALL',
      ])
      expect(await grantOf('admin', 'audit.read')).toBe('ALL')
    })

    it('refuses removing a grant held above the caller, and allows one within its reach', async () => {
      const above = await failure(
        keeper().roles.setGrant({ role: 'auditor', permission: 'audit.read', grant: null }),
      )
      expect([above.code, above.message]).toEqual([
        'FORBIDDEN',
        'Permission required: audit.read at level ALL',
      ])
      expect(await grantOf('auditor', 'audit.read')).toBe('ALL')
      await admin().roles.setGrant({ role: 'auditor', permission: 'audit.read', grant: 'OWNED' })
      await keeper().roles.setGrant({ role: 'auditor', permission: 'audit.read', grant: 'SELF' })
      expect(await grantOf('auditor', 'audit.read')).toBe('SELF')
      await keeper().roles.setGrant({ role: 'auditor', permission: 'audit.read', grant: null })
      expect(await grantOf('auditor', 'audit.read')).toBeUndefined()
    })

    it('refuses a boolean grant removed by a caller that lacks it', async () => {
      await admin().roles.setGrant({ role: 'auditor', permission: 'entityTypes.create', grant: true })
      const error = await failure(
        keeper().roles.setGrant({ role: 'auditor', permission: 'entityTypes.create', grant: null }),
      )
      expect([error.code, error.message]).toEqual(['FORBIDDEN', 'Permission required: entityTypes.create'])
      expect(await grantOf('auditor', 'entityTypes.create')).toBe(true)
    })

    it('never lets a protected role lose what administers roles and users (was: keeper removed admin roles.update)', async () => {
      for (const [caller, change] of [
        [() => keeper(), { permission: 'roles.update', grant: null }],
        [() => admin(), { permission: 'roles.update', grant: null }],
        [() => admin(), { permission: 'users.assignRole', grant: 'OWNED' }],
        [() => admin(), { permission: 'users.unassignRole', grant: null }],
        [() => admin(), { permission: 'users.read', grant: 'UNION' }],
      ] as const) {
        const error = await failure(caller().roles.setGrant({ role: 'admin', ...change }))
        expect([error.code, error.message]).toEqual([
          'CONFLICT',
          `The protected role admin must keep ${change.permission}${change.permission.startsWith('roles.') ? '' : ' at ALL'}: its holders administer roles and users with it`,
        ])
      }
      expect(await grantOf('admin', 'roles.update')).toBe(true)
      expect(await grantOf('admin', 'users.assignRole')).toBe('ALL')
      expect(await grantOf('admin', 'users.unassignRole')).toBe('ALL')
      expect(await grantOf('admin', 'users.read')).toBe('ALL')
      // Setting what it must keep is fine; the rest stays editable by who holds it.
      await admin().roles.setGrant({ role: 'admin', permission: 'users.read', grant: 'ALL' })
      await admin().roles.setGrant({ role: 'admin', permission: 'system.metrics', grant: null })
      expect(await grantOf('admin', 'system.metrics')).toBeUndefined()
      await storeGrant('admin', 'system.metrics', null)
    })

    it('two callers lowering each other: at most one wins, as if they ran one after the other', async () => {
      // Each holds audit.read at level ALL and lowers the other's: whichever runs second no longer
      // holds ALL and is refused. Without serialising, both read their grant before the
      // other's write and both succeed.
      await h.grant(ids.keeper!, { 'audit.read': 'ALL' })
      const keeperRole = (await h.database.db
        .selectFrom('user_roles')
        .innerJoin('roles', 'roles.id', 'user_roles.role_id')
        .select('roles.name')
        .where('user_roles.user_id', '=', ids.keeper!)
        .where('roles.name', 'like', 'test-%')
        .executeTakeFirstOrThrow())!.name
      for (let round = 0; round < ROUNDS; round++) {
        await storeGrant('admin', 'audit.read', 'ALL')
        await storeGrant(keeperRole, 'audit.read', 'ALL')
        const [byKeeper, byAdmin] = await race(
          keeper().roles.setGrant({ role: 'admin', permission: 'audit.read', grant: 'OWNED' }),
          admin().roles.setGrant({ role: keeperRole, permission: 'audit.read', grant: 'OWNED' }),
        )
        expect([byKeeper, byAdmin].filter((outcome) => outcome === 'ok')).toHaveLength(1)
        expect([byKeeper, byAdmin]).toContain('FORBIDDEN: Permission required: audit.read at level ALL')
        expect(await grantOf('admin', 'audit.read')).toBe(byKeeper === 'ok' ? 'OWNED' : 'ALL')
        expect(await grantOf(keeperRole, 'audit.read')).toBe(byAdmin === 'ok' ? 'OWNED' : 'ALL')
      }
      await storeGrant('admin', 'audit.read', 'ALL')
    })

    it("a removal racing the revoke of its caller's roles.update lands before it or is refused typed", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        await storeGrant('keeper', 'roles.update', null)
        await storeGrant('auditor', 'audit.read', 'SELF')
        const [revoked, removed] = await race(
          admin().roles.setGrant({ role: 'keeper', permission: 'roles.update', grant: null }),
          keeper().roles.setGrant({ role: 'auditor', permission: 'audit.read', grant: null }),
        )
        expect(revoked).toBe('ok')
        if (removed === 'ok') expect(await grantOf('auditor', 'audit.read')).toBeUndefined()
        else {
          expect(removed).toBe('FORBIDDEN: Permission required: roles.update')
          expect(await grantOf('auditor', 'audit.read')).toBe('SELF')
        }
      }
    })
  })
})
