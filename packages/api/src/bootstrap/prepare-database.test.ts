import type { TestDatabase } from '@trellis/db/testing'
import { createTestDatabase } from '@trellis/db/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifyPassword } from '../identity/password-hash.js'
import type { Logger } from '../logger.js'
import { prepareDatabase } from './prepare-database.js'

function recordingLogger() {
  const lines: { level: string; fields: object; message?: string }[] = []
  const at =
    (level: string) =>
    (fields: object, message?: string): void => {
      lines.push({ level, fields, message })
    }
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
  return { logger, lines }
}

describe('prepareDatabase', () => {
  let test: TestDatabase
  beforeEach(async () => {
    test = await createTestDatabase()
  })
  afterEach(() => test.dispose())

  it('creates the roles and one active root administrator with the protected role', async () => {
    const { logger } = recordingLogger()
    const outcome = await prepareDatabase(
      test.db,
      { adminEmail: 'root@example.com', adminPassword: 'a long enough secret' },
      logger,
    )
    expect(outcome).toMatchObject({ created: true, generatedPassword: false })

    const admins = await test.db
      .selectFrom('users')
      .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
      .innerJoin('roles', 'roles.id', 'user_roles.role_id')
      .select([
        'users.email',
        'users.status',
        'users.parent_id',
        'users.password_hash',
        'roles.name',
        'roles.is_protected',
      ])
      .execute()
    expect(admins).toHaveLength(1)
    const [admin] = admins
    expect(admin).toMatchObject({
      email: 'root@example.com',
      status: 'active',
      parent_id: null,
      name: 'admin',
      is_protected: true,
    })
    expect(admin?.password_hash).toMatch(/^\$argon2id\$/)
    await expect(verifyPassword(admin!.password_hash!, 'a long enough secret')).resolves.toBe(true)
    await expect(verifyPassword(admin!.password_hash!, 'another secret')).resolves.toBe(false)
  })

  it('creates nothing on a second start', async () => {
    const { logger } = recordingLogger()
    const options = { adminEmail: 'root@example.com', adminPassword: 'a long enough secret' }
    await prepareDatabase(test.db, options, logger)
    const second = await prepareDatabase(test.db, { ...options, adminEmail: 'other@example.com' }, logger)
    expect(second).toEqual({ created: false })
    const users = await test.db.selectFrom('users').select('email').execute()
    expect(users).toEqual([{ email: 'root@example.com' }])
    const roles = await test.db.selectFrom('roles').select('name').orderBy('name').execute()
    expect(roles.map((role) => role.name)).toEqual(['admin', 'public'])
  })

  it('generates a password when none is given and logs it exactly once', async () => {
    const { logger, lines } = recordingLogger()
    const outcome = await prepareDatabase(test.db, { adminEmail: 'root@example.com' }, logger)
    expect(outcome).toMatchObject({ created: true, generatedPassword: true })
    const announced = lines.filter((line) => 'generatedPassword' in line.fields)
    expect(announced).toHaveLength(1)
    const { generatedPassword } = announced[0]!.fields as { generatedPassword: string }
    expect(generatedPassword.length).toBeGreaterThanOrEqual(24)
    const stored = await test.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow()
    await expect(verifyPassword(stored.password_hash!, generatedPassword)).resolves.toBe(true)

    await prepareDatabase(test.db, { adminEmail: 'root@example.com' }, logger)
    expect(lines.filter((line) => 'generatedPassword' in line.fields)).toHaveLength(1)
  })

  it('refuses a roles config with unknown permissions and changes nothing', async () => {
    const { logger } = recordingLogger()
    await expect(
      prepareDatabase(
        test.db,
        {
          adminEmail: 'root@example.com',
          roles: { admin: { protected: true, grants: { 'system.infoo': true } } },
        },
        logger,
      ),
    ).rejects.toThrow('Invalid roles config:\nRole "admin": unknown permission "system.infoo"')
    expect(await test.db.selectFrom('roles').select('name').execute()).toEqual([])
    expect(await test.db.selectFrom('users').select('id').execute()).toEqual([])
  })

  it('refuses an administrator role that is not protected', async () => {
    const { logger } = recordingLogger()
    await expect(
      prepareDatabase(
        test.db,
        { adminEmail: 'root@example.com', roles: { admin: { grants: { 'system.info': true } } } },
        logger,
      ),
    ).rejects.toThrow('The administrator role "admin" must be defined and protected')
  })

  it('refuses to start when the database holds a grant for a permission this server lacks', async () => {
    const { logger } = recordingLogger()
    const options = { adminEmail: 'root@example.com', adminPassword: 'a long enough secret' }
    await prepareDatabase(test.db, options, logger)
    const role = await test.db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', 'public')
      .executeTakeFirstOrThrow()
    await test.db
      .insertInto('role_grants')
      .values({ role_id: role.id, permission: 'reports.export', level: null })
      .execute()
    await expect(prepareDatabase(test.db, options, logger)).rejects.toThrow(
      'The roles stored in the database do not match this server:\nRole "public": unknown permission "reports.export"',
    )
  })
})
