import type { TrellisDatabase } from '../schema/database.js'
import { insertUser } from '../tree/insert-user.js'
import { OWNED_TABLES, TABLES_DELETED_WITH_USER } from '../tree/owned-tables.js'

/** A tree for tests: each user's name mapped to its parent's name, `null` for a root; parents first. */
export type NamedTree = Readonly<Record<string, string | null>>

/** Inserts a named tree in one transaction (users `<name>@example.com`, active) and returns id by name. */
export async function insertNamedTree<T extends NamedTree>(
  db: TrellisDatabase,
  tree: T,
): Promise<Record<keyof T & string, string>> {
  return db.transaction().execute(async (trx) => {
    const ids = {} as Record<string, string>
    for (const [name, parent] of Object.entries(tree)) {
      const row = await insertUser(trx, {
        email: `${name}@example.com`,
        kind: 'person',
        status: 'active',
        parent_id: parent === null ? null : ids[parent]!,
      })
      ids[name] = row.id
    }
    return ids as Record<keyof T & string, string>
  })
}

/** Empties the user tree and everything that hangs on it, so a test file can reuse its database. */
export async function clearUsers(db: TrellisDatabase): Promise<void> {
  // The same registry as deleteUser, so a new owned table cannot be forgotten here.
  for (const { table } of [...OWNED_TABLES, ...TABLES_DELETED_WITH_USER]) await db.deleteFrom(table).execute()
  await db.updateTable('users').set({ parent_id: null }).execute()
  await db.deleteFrom('users').execute()
}
