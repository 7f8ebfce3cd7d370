import { entityTypePermissions, findRolesConfigProblems } from '@trellis/core'
import { createTestDatabase } from '@trellis/db/testing'
import { describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import { prepareDatabase } from '../bootstrap/prepare-database.js'
import { entityTypeDefinitionProblems } from '../entity-types/entity-type-definition.js'
import { silentLogger } from '../logger.js'
import { declaredPermissions } from '../trpc/procedure-permissions.js'
import { PRESET_NAMES, PRESETS } from './presets.js'

describe.each(PRESET_NAMES)('preset %s', (name) => {
  const preset = PRESETS[name]

  it('is a valid config: entity types, and roles that grant only permissions that exist', () => {
    const typeProblems = Object.entries(preset.entityTypes).flatMap(([type, definition]) =>
      entityTypeDefinitionProblems(type, definition),
    )
    expect(typeProblems).toEqual([])
    const permissions = [
      ...declaredPermissions(appRouter),
      ...Object.entries(preset.entityTypes).flatMap(([type, definition]) =>
        entityTypePermissions(type, definition),
      ),
    ]
    expect(findRolesConfigProblems(preset.roles, permissions)).toEqual([])
    expect(preset.roles[preset.adminRole]?.protected).toBe(true)
  })

  it('starts on an empty database: its types, its roles, a first administrator with its protected role', async () => {
    const test = await createTestDatabase()
    try {
      const options = {
        entityTypes: preset.entityTypes,
        roles: preset.roles,
        adminRole: preset.adminRole,
        adminEmail: 'first@example.com',
        adminPassword: 'a long enough secret',
      }
      const outcome = await prepareDatabase(test.db, options, silentLogger)
      if (!outcome.created) throw new Error('expected a first administrator')
      const types = await test.db.selectFrom('entity_types').select('name').orderBy('name').execute()
      expect(types.map((type) => type.name)).toEqual(Object.keys(preset.entityTypes).sort())
      const roles = await test.db.selectFrom('roles').select('name').orderBy('name').execute()
      expect(roles.map((role) => role.name)).toEqual(Object.keys(preset.roles).sort())
      const admin = await test.db
        .selectFrom('user_roles')
        .innerJoin('roles', 'roles.id', 'user_roles.role_id')
        .select('roles.name')
        .where('user_roles.user_id', '=', outcome.userId)
        .execute()
      expect(admin).toEqual([{ name: preset.adminRole }])
      // A second start finds everything in place and changes nothing.
      expect((await prepareDatabase(test.db, options, silentLogger)).created).toBe(false)
      expect(await test.db.selectFrom('entity_types').select('name').execute()).toHaveLength(types.length)
    } finally {
      await test.dispose()
    }
  })
})
