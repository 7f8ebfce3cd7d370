import { createTestDatabase, type TestDatabase } from '@trellis/db/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPORTED_TABLES, NOT_EXPORTED_TABLES } from './trellis-tables.js'

// A table added by a migration must be exported or left out on purpose: otherwise an
// export would silently lose its data.
describe('the tables trellis export covers', () => {
  let test: TestDatabase
  beforeAll(async () => {
    test = await createTestDatabase()
  })
  afterAll(() => test.dispose())

  it('are every table of the schema but the ones left out for a stated reason', async () => {
    const { rows } = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'
      order by table_name
    `.execute(test.db)
    const decided = [...EXPORTED_TABLES, ...Object.keys(NOT_EXPORTED_TABLES)].sort()
    expect(rows.map((row) => row.name)).toEqual(decided)
  })
})
