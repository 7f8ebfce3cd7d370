import type { Level } from '@trellis/core'
import { type Actor, ownerWithinSubtree, type TrellisDatabase, userWithinLevel } from '@trellis/db'
import { type Expression, type SqlBool, sql } from 'kysely'

/** The filters records.list and records.aggregate share, validated. */
export interface RecordFilters {
  readonly ownerId?: string | undefined
  readonly subtreeOf?: string | undefined
  readonly status?: string | undefined
  readonly createdAfter?: string | undefined
  readonly createdBefore?: string | undefined
}

/**
 * The path of the `subtreeOf` user, if the caller reaches it at `level` (its broadest read
 * level); undefined for a user unknown or out of reach, alike, so that a read cannot tell
 * which users outside the caller's reach sit above the ones it sees: the read is empty.
 */
export async function reachableSubtreeRoot(
  db: TrellisDatabase,
  actor: Actor | null,
  level: Level,
  subtreeOf: string,
): Promise<string | undefined> {
  let rootQuery = db.selectFrom('users').select('users.path').where('users.id', '=', subtreeOf)
  if (actor) rootQuery = rootQuery.where(userWithinLevel('users', actor, level))
  return (await rootQuery.executeTakeFirst())?.path
}

/**
 * The conditions the filters put on `records` (the table, or a derived table aliased so),
 * one per filter given; `subtreeRoot` is the path `reachableSubtreeRoot` found.
 */
export function recordFilterConditions(
  filters: RecordFilters,
  subtreeRoot: string | undefined,
): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = []
  if (filters.ownerId) conditions.push(sql<SqlBool>`${sql.ref('records.owner_id')} = ${filters.ownerId}`)
  if (subtreeRoot) conditions.push(ownerWithinSubtree('records.owner_id', subtreeRoot))
  if (filters.status) conditions.push(sql<SqlBool>`${sql.ref('records.status')} = ${filters.status}`)
  if (filters.createdAfter)
    conditions.push(sql<SqlBool>`${sql.ref('records.created_at')} >= ${new Date(filters.createdAfter)}`)
  if (filters.createdBefore)
    conditions.push(sql<SqlBool>`${sql.ref('records.created_at')} < ${new Date(filters.createdBefore)}`)
  return conditions
}
