import { type Insertable, type Selectable, sql, type Transaction } from 'kysely'
import type { Database, UsersTable } from '../schema/database.js'
import { lockUserTree } from './lock-user-tree.js'
import { childPath } from './user-path.js'
import { UserTreeError } from './user-tree-error.js'

export type NewUser = Omit<Insertable<UsersTable>, 'node' | 'path'>

/** Inserts a user under its parent (or as a root), with its path. Call inside a transaction. */
export async function insertUser(trx: Transaction<Database>, user: NewUser): Promise<Selectable<UsersTable>> {
  await lockUserTree(trx)
  let parentPath: string | null = null
  if (user.parent_id) {
    const parent = await trx
      .selectFrom('users')
      .select('path')
      .where('id', '=', user.parent_id)
      .executeTakeFirst()
    if (!parent) throw new UserTreeError('PARENT_NOT_FOUND')
    parentPath = parent.path
  }
  const { node } = await sql<{ node: string }>`
    select nextval(pg_get_serial_sequence('users', 'node'))::text as node
  `
    .execute(trx)
    .then((result) => result.rows[0]!)
  return trx
    .insertInto('users')
    .values({ ...user, node, path: childPath(parentPath, node) })
    .returningAll()
    .executeTakeFirstOrThrow()
}
