import type { Level } from '@trellis/core'
import {
  type Actor,
  reachedPath,
  type TrellisDatabase,
  usersNewestFirst,
  userWithinLevel,
  userWithinSubtree,
} from '@trellis/db'
import type { z } from 'zod'
import { newestFirst } from '../pagination/keyset.js'
import { listTotal } from '../pagination/list-total.js'
import { type Page, pageQuery, paginate } from '../pagination/paginate.js'
import { findVisibleUser } from './find-visible-user.js'
import type { ListUsersInput } from './user-inputs.js'
import { toUserView, USER_VIEW_COLUMNS, type UserView } from './user-view.js'

/** `%` and `_` typed by a user are meant literally in a search. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`
}

/**
 * One page of the users the actor may see, newest first, filtered and paginated in SQL
 * under the level filter: what is outside the level is never fetched. The page's ids are
 * read first, in the shape the reached subtree's size calls for (usersNewestFirst), then
 * only those rows.
 */
export async function listUsers(
  db: TrellisDatabase,
  actor: Actor,
  level: Level,
  input: z.output<typeof ListUsersInput>,
): Promise<Page<UserView>> {
  if (input.parentId) await findVisibleUser(db, actor, level, input.parentId)
  const subtreeRoot = input.subtreeOf && (await findVisibleUser(db, actor, level, input.subtreeOf)).path
  // The subtree the page can reach at most picks how its ids are read.
  const reach = subtreeRoot || (level === 'ALL' ? null : (reachedPath(actor, level) ?? actor.path))
  let query = db
    .selectFrom(await usersNewestFirst(db, reach))
    .select(['users.id', 'users.created_at'])
    .where(userWithinLevel('users', actor, level))
  if (input.status) query = query.where('users.status', '=', input.status)
  if (input.kind) query = query.where('users.kind', '=', input.kind)
  if (input.parentId) query = query.where('users.parent_id', '=', input.parentId)
  if (subtreeRoot) query = query.where(userWithinSubtree('users', subtreeRoot))
  if (input.role) {
    const role = input.role
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('user_roles')
          .innerJoin('roles', 'roles.id', 'user_roles.role_id')
          .select('user_roles.id')
          .whereRef('user_roles.user_id', '=', 'users.id')
          .where('roles.name', '=', role),
      ),
    )
  }
  if (input.search) {
    const pattern = likePattern(input.search)
    query = query.where((eb) =>
      eb.or([eb('users.email', 'ilike', pattern), eb('users.display_name', 'ilike', pattern)]),
    )
  }
  const keyset = newestFirst('users', 'created_at')
  const rows = db
    .selectFrom('users')
    .select(USER_VIEW_COLUMNS)
    .where('users.id', 'in', pageQuery(query, keyset, input).clearSelect().select('users.id'))
  const page = await paginate(rows, keyset, input, toUserView)
  return input.withTotal ? { ...page, total: await listTotal(db, query) } : page
}
