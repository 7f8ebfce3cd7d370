import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { onLocalAccessChange } from './access-change-feed.js'
import { createTestDatabase, type TestDatabase } from './testing/index.js'

describe('access change announcements', () => {
  let test: TestDatabase
  beforeAll(async () => {
    test = await createTestDatabase()
  })
  afterAll(() => test.dispose())

  it('are made in process only by the embedded database, at commit, and never for a rollback', async () => {
    let heard = 0
    const stop = onLocalAccessChange(test.db, () => {
      heard++
    })
    if (test.dialect === 'postgres') {
      // Other servers change PostgreSQL too: callers must read access_version instead.
      expect(stop).toBeUndefined()
      return
    }
    expect(stop).toBeTypeOf('function')
    await test.db.transaction().execute(async (trx) => {
      await trx.insertInto('roles').values({ name: 'announced' }).execute()
      expect(heard).toBe(0)
    })
    expect(heard).toBe(1)
    await test.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('roles').values({ name: 'rolled-back' }).execute()
        throw new Error('roll back')
      })
      .catch(() => undefined)
    expect(heard).toBe(1)
    await test.db.updateTable('users').set({ display_name: 'not an access change' }).execute()
    expect(heard).toBe(1)
    stop!()
    await test.db.deleteFrom('roles').where('name', '=', 'announced').execute()
    expect(heard).toBe(1)
  })
})
