import { sql, type Transaction } from 'kysely'
import type { Database } from '../schema/database.js'
import { lockUserTree } from './lock-user-tree.js'
import { USER_PATH_COLUMNS } from './owned-tables.js'
import { isInSubtree, subtreeRange } from './user-path.js'
import { UserTreeError } from './user-tree-error.js'

/**
 * Moves a user with its whole subtree under a new parent (`null`: make it a root),
 * rewriting every path in the subtree in one statement. Refuses a move that would put
 * a user under itself or a descendant. Call inside a transaction.
 *
 * @returns how many users' paths changed (the subtree's size)
 */
export async function moveSubtree(
  trx: Transaction<Database>,
  userId: string,
  newParentId: string | null,
): Promise<number> {
  await lockUserTree(trx)
  const user = await trx
    .selectFrom('users')
    .select(['path', 'node'])
    .where('id', '=', userId)
    .executeTakeFirst()
  if (!user) throw new UserTreeError('USER_NOT_FOUND')
  let newParentPath = '/'
  if (newParentId !== null) {
    const parent = await trx
      .selectFrom('users')
      .select('path')
      .where('id', '=', newParentId)
      .executeTakeFirst()
    if (!parent) throw new UserTreeError('PARENT_NOT_FOUND')
    if (isInSubtree(parent.path, user.path)) throw new UserTreeError('MOVE_CREATES_CYCLE')
    newParentPath = parent.path
  }
  const newPath = `${newParentPath}${user.node}/`
  await trx.updateTable('users').set({ parent_id: newParentId }).where('id', '=', userId).execute()
  if (newPath === user.path) return 0
  const [lower, upper] = subtreeRange(user.path)
  const rebase = (column: string) =>
    sql<string>`${newPath} || substr(${sql.ref(column)}, ${user.path.length + 1})`
  const result = await trx
    .updateTable('users')
    .set({ path: rebase('path') })
    .where('path', '>=', lower)
    .where('path', '<', upper)
    .executeTakeFirst()
  // After the users: a row being inserted for one of them holds its owner FOR SHARE, so
  // the update above waits for it and these statements' snapshots include it.
  for (const path of USER_PATH_COLUMNS) {
    const column = sql.ref(path.column)
    await sql`
      update ${sql.table(path.table)} set ${column} = ${rebase(path.column)}
      where ${column} >= ${lower} and ${column} < ${upper}
    `.execute(trx)
  }
  return Number(result.numUpdatedRows)
}
