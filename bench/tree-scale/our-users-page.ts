// The statement `users.list` sends for a caller at OWNED (or at ALL) with no filters: built
// from the same pieces and in the same shape as packages/api/src/users/list-users.ts (ids
// from an index, then the page's rows), so the bench times our SQL.
import { type TrellisDatabase, usersNewestFirst, userWithinLevel } from '@trellis/db'
import { type CompiledQuery, type SqlBool, sql } from 'kysely'

const PAGE_ROWS = 51
// What list-users.ts reads of each row of the page (USER_VIEW_COLUMNS).
// biome-ignore format: one line, as a mirror of the api's list
const PAGE_COLUMNS = ['users.id', 'users.email', 'users.display_name', 'users.kind', 'users.status', 'users.parent_id', 'users.created_at', 'users.updated_at'] as const

/** Two statements, as users.list sends them: the size check (OWNED only, remembered), then the page. */
export async function ourUsersPage(
  db: TrellisDatabase,
  subtreePath: string | null,
  cursor: readonly [Date, string] | null,
): Promise<CompiledQuery> {
  const within = subtreePath
    ? userWithinLevel('users', { id: '', path: subtreePath }, 'OWNED')
    : userWithinLevel('users', { id: '', path: '/' }, 'ALL')
  const order = [sql.ref('users.created_at'), sql.ref('users.id')]
  const after = cursor && sql<SqlBool>`(${sql.join(order)}) < (${sql.join(cursor)})`
  let ids = db
    .selectFrom(await usersNewestFirst(db, subtreePath))
    .select(['users.id', 'users.created_at'])
    .where(within)
    .orderBy(order[0]!, 'desc')
    .orderBy(order[1]!, 'desc')
  if (after) ids = ids.where(after)
  let rows = db
    .selectFrom('users')
    .select(PAGE_COLUMNS)
    .where('users.id', 'in', ids.limit(PAGE_ROWS).clearSelect().select('users.id'))
    .orderBy(order[0]!, 'desc')
    .orderBy(order[1]!, 'desc')
  if (after) rows = rows.where(after)
  return rows.limit(PAGE_ROWS).compile()
}
