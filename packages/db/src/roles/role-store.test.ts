import { type Grant, LEVELS, PUBLIC_ROLE } from '@trellis/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { TrellisDatabase } from '../schema/database.js'
import { clearUsers, createTestDatabase, insertNamedTree, type TestDatabase } from '../testing/index.js'
import {
  bindRole,
  countRoleHolders,
  createRole,
  deleteGrantsOf,
  deleteRole,
  findBinding,
  findRole,
  findUserWithBindings,
  grantFromColumn,
  grantsOfRole,
  grantToColumn,
  loadRoleGrants,
  loadRoles,
  protectedRolesLeftWithoutHolder,
  rolesOfUser,
  setRoleGrant,
  unbindRole,
  unbindScope,
  updateRoleDescription,
} from './role-store.js'

const TREE = { boss: null, ann: 'boss', bob: 'boss' } as const

describe('the role store', () => {
  let test: TestDatabase
  let db: TrellisDatabase
  let user: Record<keyof typeof TREE, string>

  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
  })
  afterAll(() => test.dispose())

  beforeEach(async () => {
    await clearUsers(db)
    await db.deleteFrom('roles').execute()
    user = await insertNamedTree(db, TREE)
  })

  /** Creates a role that must not exist yet and returns its id. */
  async function role(name: string, grants: Record<string, Grant> = {}, isProtected = false) {
    const id = await createRole(db, name, { grants, protected: isProtected })
    if (!id) throw new Error(`role ${name} already existed`)
    return id
  }

  describe('the grant encoding', () => {
    it('stores a boolean grant as null and a leveled one as its level, and reads each back', () => {
      expect(grantToColumn(true)).toBeNull()
      for (const level of LEVELS) expect(grantToColumn(level)).toBe(level)
      for (const grant of [true, ...LEVELS] as const)
        expect(grantFromColumn(grantToColumn(grant))).toBe(grant)
    })

    it('is what the role_grants.level column holds', async () => {
      const id = await role('clerk', { 'users.read': 'OWNED', 'roles.read': true })
      const rows = await db
        .selectFrom('role_grants')
        .select(['permission', 'level'])
        .where('role_id', '=', id)
        .orderBy('permission')
        .execute()
      expect(rows).toEqual([
        { permission: 'roles.read', level: null },
        { permission: 'users.read', level: 'OWNED' },
      ])
    })
  })

  describe('roles', () => {
    it('loads roles with their grants, by name, and only those named when names are given', async () => {
      await role('zeta', { 'users.read': 'ALL' }, true)
      await role('alpha', { 'roles.read': true, 'audit.read': 'SELF' })
      await role('empty')
      // A role may be named like an Object.prototype member.
      await role('constructor', { 'roles.read': true })

      expect(await loadRoles(db)).toEqual([
        {
          name: 'alpha',
          description: '',
          protected: false,
          grants: { 'audit.read': 'SELF', 'roles.read': true },
        },
        { name: 'constructor', description: '', protected: false, grants: { 'roles.read': true } },
        { name: 'empty', description: '', protected: false, grants: {} },
        { name: 'zeta', description: '', protected: true, grants: { 'users.read': 'ALL' } },
      ])
      expect((await loadRoles(db, ['zeta', 'missing'])).map((found) => found.name)).toEqual(['zeta'])
      expect(await loadRoles(db, [])).toEqual([])
    })

    it('creates a name once: a second create of it changes nothing', async () => {
      await role('clerk', { 'users.read': 'SELF' })
      expect(
        await createRole(db, 'clerk', { description: 'other', grants: { 'roles.read': true } }),
      ).toBeUndefined()
      expect(await loadRoles(db, ['clerk'])).toEqual([
        { name: 'clerk', description: '', protected: false, grants: { 'users.read': 'SELF' } },
      ])
    })

    it('finds a role by name with its id and protection', async () => {
      const id = await role('keeper', {}, true)
      expect(await findRole(db, 'keeper')).toEqual({ id, name: 'keeper', protected: true })
      expect(await findRole(db, 'keeper', { forUpdate: true })).toEqual({
        id,
        name: 'keeper',
        protected: true,
      })
      expect(await findRole(db, 'nobody', { forShare: true })).toBeUndefined()
    })

    it('updates a description, and says when there is no such role', async () => {
      await role('clerk')
      expect(await updateRoleDescription(db, 'clerk', 'Files things')).toBe(true)
      expect(await updateRoleDescription(db, 'nobody', 'x')).toBe(false)
      expect((await loadRoles(db, ['clerk']))[0]?.description).toBe('Files things')
    })

    it('deletes a role with its grants', async () => {
      const id = await role('clerk', { 'users.read': 'SELF' })
      await deleteRole(db, id)
      expect(await findRole(db, 'clerk')).toBeUndefined()
      expect(
        await db.selectFrom('role_grants').select('permission').where('role_id', '=', id).execute(),
      ).toEqual([])
    })
  })

  describe('grants', () => {
    it('sets, re-levels and removes one grant, marking the role changed each time', async () => {
      const id = await role('clerk')
      const longAgo = new Date('2000-01-01T00:00:00Z')
      /** Whether the role changed since it was last marked long ago (and marks it again). */
      const changed = async () => {
        const { updated_at } = await db
          .selectFrom('roles')
          .select('updated_at')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
        await db.updateTable('roles').set({ updated_at: longAgo }).where('id', '=', id).execute()
        return updated_at.getTime() > longAgo.getTime()
      }
      await changed()

      await setRoleGrant(db, id, 'users.read', 'SELF')
      expect(await grantsOfRole(db, id)).toEqual(new Map([['users.read', 'SELF']]))
      expect(await changed()).toBe(true)

      await setRoleGrant(db, id, 'users.read', 'ALL')
      await setRoleGrant(db, id, 'roles.read', true)
      expect(await grantsOfRole(db, id)).toEqual(
        new Map<string, Grant>([
          ['users.read', 'ALL'],
          ['roles.read', true],
        ]),
      )
      expect(await changed()).toBe(true)

      await setRoleGrant(db, id, 'users.read', null)
      expect(await grantsOfRole(db, id)).toEqual(new Map([['roles.read', true]]))
      expect(await changed()).toBe(true)
      expect(await changed()).toBe(false)
    })

    it("removes every role's grants of the given permissions, and only those", async () => {
      const a = await role('a', { 'cars.read': 'ALL', 'cars.drive': 'SELF', 'users.read': 'SELF' })
      const b = await role('b', { 'cars.drive': 'OWNED' })
      await deleteGrantsOf(db, ['cars.read', 'cars.drive'])
      await deleteGrantsOf(db, [])
      expect(await grantsOfRole(db, a)).toEqual(new Map([['users.read', 'SELF']]))
      expect(await grantsOfRole(db, b)).toEqual(new Map())
    })

    it('lists every grant of every role with its role', async () => {
      const clerk = await role('clerk', { 'users.read': 'SELF' })
      const anyone = await role(PUBLIC_ROLE, { 'auth.login': true })
      const grants = await loadRoleGrants(db)
      expect(grants.sort((x, y) => x.roleName.localeCompare(y.roleName))).toEqual([
        { roleId: clerk, roleName: 'clerk', permission: 'users.read', grant: 'SELF' },
        { roleId: anyone, roleName: PUBLIC_ROLE, permission: 'auth.login', grant: true },
      ])
    })
  })

  describe('bindings', () => {
    it('binds a role everywhere and within a scope, each once', async () => {
      const clerk = await role('clerk')
      await bindRole(db, { userId: user.ann, roleId: clerk, scope: null })
      await bindRole(db, { userId: user.ann, roleId: clerk, scope: 'entityType:cars' })
      await bindRole(db, { userId: user.ann, roleId: clerk, scope: 'entityType:cars' })
      await bindRole(db, { userId: user.ann, roleId: clerk, scope: null })

      expect(await rolesOfUser(db, user.ann)).toEqual(
        expect.arrayContaining([
          { role: 'clerk', protected: false, scope: null },
          { role: 'clerk', protected: false, scope: 'entityType:cars' },
        ]),
      )
      expect(await countRoleHolders(db, clerk)).toBe(2)
      const facts = await findUserWithBindings(db, user.ann)
      expect(facts?.bindings).toHaveLength(2)
      expect(facts).toMatchObject({ id: user.ann, status: 'active' })
    })

    it('lists a user’s roles by name', async () => {
      const zeta = await role('zeta', {}, true)
      const alpha = await role('alpha')
      await bindRole(db, { userId: user.ann, roleId: zeta, scope: null })
      await bindRole(db, { userId: user.ann, roleId: alpha, scope: null })
      expect(await rolesOfUser(db, user.ann)).toEqual([
        { role: 'alpha', protected: false, scope: null },
        { role: 'zeta', protected: true, scope: null },
      ])
      expect(await rolesOfUser(db, user.bob)).toEqual([])
    })

    it('finds a binding by exact scope and removes it alone', async () => {
      const clerk = await role('clerk')
      await bindRole(db, { userId: user.ann, roleId: clerk, scope: null })
      await bindRole(db, { userId: user.ann, roleId: clerk, scope: 'entityType:cars' })

      expect(
        await findBinding(db, { userId: user.ann, roleName: 'clerk', scope: 'entityType:boats' }),
      ).toBeUndefined()
      expect(await findBinding(db, { userId: user.bob, roleName: 'clerk', scope: null })).toBeUndefined()
      const scoped = await findBinding(db, { userId: user.ann, roleName: 'clerk', scope: 'entityType:cars' })
      expect(scoped).toBeDefined()
      await unbindRole(db, scoped!)
      expect(await rolesOfUser(db, user.ann)).toEqual([{ role: 'clerk', protected: false, scope: null }])
    })

    it('removes the bindings of one scope and counts them', async () => {
      const clerk = await role('clerk')
      await bindRole(db, { userId: user.ann, roleId: clerk, scope: 'entityType:cars' })
      await bindRole(db, { userId: user.bob, roleId: clerk, scope: 'entityType:cars' })
      await bindRole(db, { userId: user.bob, roleId: clerk, scope: null })
      expect(await unbindScope(db, 'entityType:cars')).toBe(2)
      expect(await countRoleHolders(db, clerk)).toBe(1)
    })

    it('reads a user with no binding, and no user at all', async () => {
      expect(await findUserWithBindings(db, user.bob)).toMatchObject({ id: user.bob, bindings: [] })
      expect(await findUserWithBindings(db, '00000000-0000-4000-8000-000000000000')).toBeUndefined()
    })
  })

  describe('protected roles', () => {
    it('names a protected role its only active holder would leave, whole or by one binding', async () => {
      const keeper = await role('keeper', {}, true)
      const plain = await role('plain')
      await bindRole(db, { userId: user.ann, roleId: keeper, scope: null })
      await bindRole(db, { userId: user.ann, roleId: plain, scope: null })
      const plainBinding = await findBinding(db, { userId: user.ann, roleName: 'plain', scope: null })
      const keeperBinding = await findBinding(db, { userId: user.ann, roleName: 'keeper', scope: null })

      expect(await protectedRolesLeftWithoutHolder(db, { userId: user.ann })).toEqual(['keeper'])
      expect(
        await protectedRolesLeftWithoutHolder(db, { userId: user.ann, bindingId: keeperBinding! }),
      ).toEqual(['keeper'])
      expect(
        await protectedRolesLeftWithoutHolder(db, { userId: user.ann, bindingId: plainBinding! }),
      ).toEqual([])
    })

    it('counts only active other holders', async () => {
      const keeper = await role('keeper', {}, true)
      await bindRole(db, { userId: user.ann, roleId: keeper, scope: null })
      await bindRole(db, { userId: user.bob, roleId: keeper, scope: null })
      expect(await protectedRolesLeftWithoutHolder(db, { userId: user.ann })).toEqual([])

      await db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', user.bob).execute()
      expect(await protectedRolesLeftWithoutHolder(db, { userId: user.ann })).toEqual(['keeper'])
    })
  })
})
