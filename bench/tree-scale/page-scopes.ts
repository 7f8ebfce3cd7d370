// The scopes a list page is measured at (list-pages.ts, users-list-pages.ts, audit-list-pages.ts):
// OWNED subtrees of 1 to 100k users, the actor's UNION reach and ALL, picked from the loaded
// dataset the same way on every run.
import { subtreeRange, type TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'
import type { BenchMeta } from './scale-database.js'

export interface Scope {
  readonly name: string
  /** The subtree's root, or null for ALL. */
  readonly root: { id: string; path: string } | null
}

/** Bounds for hand-written SQL: the subtree's path range, or the range holding every path (ALL). */
export const boundsOf = (scope: Scope): readonly [string, string] =>
  scope.root ? subtreeRange(scope.root.path) : ['/', '0']

export async function pageScopes(db: TrellisDatabase, meta: BenchMeta): Promise<Scope[]> {
  /** The user at `depth` among the first 3,000 there whose subtree size is closest to `target`. */
  async function subtreeNear(depth: number, target: number): Promise<{ id: string; path: string }> {
    const found = await sql<{ id: string; path: string }>`
      select id, path from (
        select u.id, u.path,
          (select count(*) from users s where s.path >= u.path and s.path < left(u.path, -1) || '0') as size
        from (select id, path from users where length(path) - length(replace(path, '/', '')) = ${depth + 1}::int
              order by node limit 3000) u
      ) sized order by abs(size - ${target}), path limit 1
    `.execute(db)
    return found.rows[0]!
  }
  const userAt = (path: string) =>
    db.selectFrom('users').select(['id', 'path']).where('path', '=', path).executeTakeFirstOrThrow()
  const userById = (id: string) =>
    db.selectFrom('users').select(['id', 'path']).where('id', '=', id).executeTakeFirstOrThrow()
  const leafWithRecords = await sql<{ id: string; path: string }>`
    select u.id, u.path from users u
    where length(u.path) - length(replace(u.path, '/', '')) = 11
      and (select count(*) from records r where r.owner_id = u.id) between 6 and 20
    order by u.node limit 1
  `.execute(db)
  const actor = await userById(meta.actorId)
  return [
    { name: 'OWNED 1', root: leafWithRecords.rows[0]! },
    { name: 'OWNED 10', root: await subtreeNear(8, 10) },
    { name: 'OWNED 100', root: await userAt('/1/11/183/3352/5945/') },
    { name: 'OWNED 1k', root: await userAt('/1/18/331/2132/') },
    // Near RECORDS_WALK_FROM_USERS, where reading the subtree whole and walking the newest cost alike.
    { name: 'OWNED 2.5k', root: await subtreeNear(4, 2500) },
    { name: 'OWNED 10k', root: await userById(meta.moveUserId) },
    { name: 'OWNED 100k', root: actor },
    {
      name: 'UNION 174k',
      root: await userAt(actor.path.slice(0, actor.path.slice(0, -1).lastIndexOf('/') + 1)),
    },
    { name: 'ALL', root: null },
  ]
}
