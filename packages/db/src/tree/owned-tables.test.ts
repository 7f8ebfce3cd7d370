import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, insertNamedTree, type TestDatabase } from '../testing/index.js'
import { deleteUser } from './delete-user.js'
import { OWNED_TABLES, TABLES_DELETED_WITH_USER } from './owned-tables.js'

interface UserForeignKey {
  readonly table: string
  readonly column: string
  /** pg_constraint.confdeltype: 'c' cascade, 'a' no action, 'r' restrict, 'n' set null, 'd' set default. */
  readonly onDelete: string
}

// Foreign keys to users(id) that deleteUser handles without the owned-tables registry.
const HANDLED_OTHERWISE: Readonly<Record<string, string>> = {
  // The tree: deleteUser moves the children to the heir before deleting the user.
  'users.parent_id': 'tree',
  // A user's credentials end with it: the foreign keys cascade.
  'sessions.user_id': 'cascade',
  'api_keys.user_id': 'cascade',
  'one_time_tokens.user_id': 'cascade',
  // An invitation's pending bindings go with the invited user; the inviter's mark is cleared.
  'invitation_bindings.user_id': 'cascade',
  'invitation_bindings.invited_by': 'set null',
  // A consumer's calls counted through policies end with it.
  'policy_usage.user_id': 'cascade',
  // Deleted explicitly by deleteUser (TABLES_DELETED_WITH_USER): its key does not cascade.
  'user_roles.user_id': 'deleted',
  // A deleted user's party rows go with it; the records stay with their owners.
  'record_parties.user_id': 'deleted',
}

const key = (entry: { table: string; column: string }): string => `${entry.table}.${entry.column}`

describe('the owned-tables registry', () => {
  let test: TestDatabase
  let foreignKeys: UserForeignKey[]

  beforeAll(async () => {
    test = await createTestDatabase()
    // Every single-column foreign key to users(id) in the schema the database works in.
    const { rows } = await sql<UserForeignKey>`
      select cl.relname as "table", a.attname as "column", c.confdeltype::text as "onDelete"
      from pg_constraint c
      join pg_class cl on cl.oid = c.conrelid
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
      where c.contype = 'f'
        and c.confrelid = to_regclass('users')
        and cl.relnamespace = (select oid from pg_namespace where nspname = current_schema())
      order by 1, 2
    `.execute(test.db)
    foreignKeys = rows
  })
  afterAll(() => test.dispose())

  it('reads the foreign keys to users(id) from the catalog (records.owner_id among them)', () => {
    // Guards the query itself: an empty result would make the checks below pass vacuously.
    expect(foreignKeys.map(key)).toContain('records.owner_id')
    expect(foreignKeys.length).toBeGreaterThanOrEqual(Object.keys(HANDLED_OTHERWISE).length + 1)
  })

  it('classifies every foreign key to users(id), so a new owned table cannot make users.delete fail', () => {
    // Regression: deleteUser and the test reset once listed owned tables by hand; a table
    // missing from them breaks deleting its owner with a foreign-key violation.
    const owned = new Set(OWNED_TABLES.filter((entry) => entry.foreignKey).map(key))
    const unclassified = foreignKeys
      .map(key)
      .filter((name) => !owned.has(name) && !(name in HANDLED_OTHERWISE))
    expect(unclassified).toEqual([])
  })

  it('lists only what the catalog has: every entry of the registry and of the list above exists', () => {
    const inCatalog = new Set(foreignKeys.map(key))
    const stale = [
      ...OWNED_TABLES.filter((entry) => entry.foreignKey).map(key),
      ...TABLES_DELETED_WITH_USER.map(key),
      ...Object.keys(HANDLED_OTHERWISE),
    ].filter((name) => !inCatalog.has(name))
    expect(stale).toEqual([])
  })

  it('marks an owned column without a foreign key as such, and that column exists', async () => {
    const inCatalog = new Set(foreignKeys.map(key))
    for (const entry of OWNED_TABLES.filter((owned) => !owned.foreignKey)) {
      expect(inCatalog.has(key(entry)), key(entry)).toBe(false)
      const { rows } = await sql<{ found: number }>`
        select 1 as found from information_schema.columns
        where table_schema = current_schema() and table_name = ${entry.table} and column_name = ${entry.column}
      `.execute(test.db)
      expect(rows, key(entry)).toHaveLength(1)
    }
  })

  it('agrees with each key’s delete rule: cascades cascade, the rest are handled by deleteUser', () => {
    const deletedByDeleteUser = new Set(TABLES_DELETED_WITH_USER.map(key))
    for (const foreignKey of foreignKeys) {
      const name = key(foreignKey)
      const handling = HANDLED_OTHERWISE[name]
      if (handling === 'cascade') expect(foreignKey.onDelete, name).toBe('c')
      else expect(foreignKey.onDelete, name).not.toBe('c')
      expect(deletedByDeleteUser.has(name), name).toBe(handling === 'deleted')
    }
  })

  it('hands audit events (owned, no foreign key) to the heir, and a root owning only those needs no heir', async () => {
    // Guards the behaviour the registry replaced: events follow their owner to the heir
    // when there is one, and never block deleting a root (history outlives users).
    const user = await insertNamedTree(test.db, { boss: null, clerk: 'boss', hermit: null })
    const event = (ownerId: string) => ({
      owner_id: ownerId,
      permission: 'records.read',
      procedure: 'records.list',
      outcome: 'allowed' as const,
      request_id: `req-${ownerId}`,
    })
    await test.db
      .insertInto('audit_events')
      .values([event(user.clerk), event(user.hermit)])
      .execute()
    const outcome = await test.db.transaction().execute((trx) => deleteUser(trx, user.clerk))
    expect(outcome).toEqual({ heirId: null, movedChildren: 0, transferredRecords: 0 })
    await test.db.transaction().execute((trx) => deleteUser(trx, user.hermit))
    const owners = await test.db.selectFrom('audit_events').select(['request_id', 'owner_id']).execute()
    expect(Object.fromEntries(owners.map((row) => [row.request_id, row.owner_id]))).toEqual({
      [`req-${user.clerk}`]: user.boss,
      [`req-${user.hermit}`]: user.hermit,
    })
  })
})
