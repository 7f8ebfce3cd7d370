import type { Level } from '@trellis/core'
import { type Actor, type TrellisDatabase, userWithinLevel } from '@trellis/db'
import { userNotFound } from './user-errors.js'

/**
 * A user the actor may touch at its level, with its path; NOT_FOUND otherwise, exactly
 * as for a user that does not exist, so nothing outside the level leaks.
 */
export async function findVisibleUser(
  db: TrellisDatabase,
  actor: Actor,
  level: Level,
  userId: string,
): Promise<{ id: string; path: string; parent_id: string | null; status: string }> {
  const user = await db
    .selectFrom('users')
    .select(['users.id', 'users.path', 'users.parent_id', 'users.status'])
    .where('users.id', '=', userId)
    .where(userWithinLevel('users', actor, level))
    .executeTakeFirst()
  if (!user) throw userNotFound()
  return user
}
