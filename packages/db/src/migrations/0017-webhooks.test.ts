import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../testing/index.js'
import { grantWebhooksToAdministrators } from './0017-webhooks.js'

describe('migration 0017-webhooks on a database that has roles', () => {
  let test: TestDatabase
  beforeAll(async () => {
    test = await createTestDatabase()
  })
  afterAll(() => test.dispose())

  it('grants webhookSubscribers.manage to protected roles that administer roles, and to no other', async () => {
    const { db } = test
    const [admin, helper, locked] = await db
      .insertInto('roles')
      .values([
        { name: 'old-admin', is_protected: true },
        { name: 'helper', is_protected: false },
        { name: 'locked', is_protected: true },
      ])
      .returning('id')
      .execute()
    await db
      .insertInto('role_grants')
      .values([
        { role_id: admin!.id, permission: 'roles.create', level: null },
        { role_id: helper!.id, permission: 'roles.create', level: null },
      ])
      .execute()
    await grantWebhooksToAdministrators(db)
    // Run again, as a migration retried would: nothing is granted twice.
    await grantWebhooksToAdministrators(db)
    const granted = await db
      .selectFrom('role_grants')
      .innerJoin('roles', 'roles.id', 'role_grants.role_id')
      .select('roles.name')
      .where('permission', '=', 'webhookSubscribers.manage')
      .where('roles.id', 'in', [admin!.id, helper!.id, locked!.id])
      .execute()
    expect(granted.map((row) => row.name)).toEqual(['old-admin'])
  })
})
