import type { Level } from '@trellis/core'
import { type Expression, type SqlBool, sql } from 'kysely'
import { OWNED_TABLES, type OwnedTable } from '../tree/owned-tables.js'
import { ancestorPathsOf, parentPathOf, subtreeRange } from '../tree/user-path.js'

/** Who is asking, as the filters need it: loaded fresh for every call. */
export interface Actor {
  readonly id: string
  /** The actor's materialised path (`users.path`). */
  readonly path: string
}

/** The path whose subtree a level reaches, or undefined for SELF and ALL. */
export function reachedPath(actor: Actor, level: Level): string | undefined {
  if (level === 'OWNED') return actor.path
  if (level === 'UNION') return parentPathOf(actor.path) ?? actor.path
  return undefined
}

/**
 * Restricts any table with an owner column to the records `actor` may touch at `level`
 * (docs/model.md §2). Use it in any query or transaction; it is the only place the levels
 * become SQL.
 *
 * @example
 * db.selectFrom('records').selectAll().where(ownerWithinLevel('records.owner_id', actor, 'OWNED'))
 * // … where ("records"."owner_path" >= $1 and "records"."owner_path" < $2)
 */
export function ownerWithinLevel(ownerColumn: string, actor: Actor, level: Level): Expression<SqlBool> {
  if (level === 'ALL') return sql<SqlBool>`true`
  if (level === 'SELF') return sql<SqlBool>`${sql.ref(ownerColumn)} = ${actor.id}`
  return ownerWithinSubtree(ownerColumn, reachedPath(actor, level)!)
}

/**
 * Restricts any table with an owner column to the rows owned by the user at `path` or
 * anyone below it: the one place a subtree of owners becomes SQL. A table that carries
 * its owner's path (`ownerPath` in OWNED_TABLES: records) is filtered on that column,
 * with no subquery; any other by the owners' ids.
 *
 * @example
 * db.selectFrom('records').selectAll().where(ownerWithinSubtree('records.owner_id', '/1/57/'))
 * // … where ("records"."owner_path" >= $1 and "records"."owner_path" < $2)
 * db.selectFrom('audit_events').selectAll().where(ownerWithinSubtree('audit_events.owner_id', '/1/57/'))
 * // … where "audit_events"."owner_id" in (select u.id from users u where u.path >= $1 and u.path < $2)
 */
export function ownerWithinSubtree(ownerColumn: string, path: string): Expression<SqlBool> {
  const [lower, upper] = subtreeRange(path)
  const pathColumn = ownerPathColumnOf(ownerColumn)
  if (pathColumn) {
    const column = sql.ref(pathColumn)
    return sql<SqlBool>`(${column} >= ${lower} and ${column} < ${upper})`
  }
  return sql<SqlBool>`${sql.ref(ownerColumn)} in (select u.id from users u where u.path >= ${lower} and u.path < ${upper})`
}

/** `records.owner_id` → `records.owner_path`: the owner-path column next to an owner column, if any. */
function ownerPathColumnOf(ownerColumn: string): string | undefined {
  const [table, column] = ownerColumn.split('.')
  const owned: OwnedTable | undefined = OWNED_TABLES.find(
    (entry) => entry.table === table && entry.column === column,
  )
  return owned?.ownerPath && `${table}.${owned.ownerPath}`
}

/** The party names a filter counts, by how far each reaches: its user, or its user's subtree. */
export interface CountedParties {
  readonly users: readonly string[]
  readonly members: readonly string[]
}

/**
 * Restricts records to those `actor` may touch at `level` through their owner or any party
 * in `parties` (docs/model.md §2): `ownerWithinLevel` alone when no party counts, so types
 * without parties get the same SQL as before them.
 *
 * @example
 * db.selectFrom('records').selectAll()
 *   .where(recordWithinLevel(actor, 'OWNED', { users: ['merchant'], members: [] }))
 * // … where (("records"."owner_path" >= $1 and "records"."owner_path" < $2) or exists (select 1
 * //   from record_parties p where p.record_id = "records"."id" and p.party in ($3)
 * //   and (p.user_path >= $4 and p.user_path < $5)))
 */
export function recordWithinLevel(actor: Actor, level: Level, parties: CountedParties): Expression<SqlBool> {
  const owner = ownerWithinLevel('records.owner_id', actor, level)
  const party = recordPartyWithinLevel(actor, level, parties)
  return party ? sql<SqlBool>`(${owner} or ${party})` : owner
}

/**
 * The party half of `recordWithinLevel` alone: whether a record has a counted party within
 * the level, or undefined when no party can widen the owner filter (level ALL, no parties).
 * A page reads it as a branch of its own, where it is not tied to the owner by `or`.
 */
export function recordPartyWithinLevel(
  actor: Actor,
  level: Level,
  parties: CountedParties,
): Expression<SqlBool> | undefined {
  if (level === 'ALL' || parties.users.length + parties.members.length === 0) return undefined
  return partyWithinLevel(actor, level, parties)
}

/**
 * Whether a record has a counted party within the level: its user within it, or (for a
 * party reaching members) its user at or above the reached subtree's root, whose members
 * then include users within it. Ancestor paths come from the root's own path, so each
 * party is one row read by the primary key.
 */
function partyWithinLevel(actor: Actor, level: Level, parties: CountedParties): Expression<SqlBool> {
  const root = reachedPath(actor, level)
  let userWithin: Expression<SqlBool> = sql<SqlBool>`p.user_id = ${actor.id}`
  if (root !== undefined) {
    const [lower, upper] = subtreeRange(root)
    userWithin = sql<SqlBool>`(p.user_path >= ${lower} and p.user_path < ${upper})`
  }
  const named = [...parties.users, ...parties.members]
  const branches = [sql<SqlBool>`(p.party in (${sql.join(named)}) and ${userWithin})`]
  if (parties.members.length > 0) {
    const anchor = root ?? actor.path
    const atOrAbove = [anchor, ...ancestorPathsOf(anchor)]
    branches.push(
      sql<SqlBool>`(p.party in (${sql.join(parties.members)}) and p.user_path in (${sql.join(atOrAbove)}))`,
    )
  }
  return sql<SqlBool>`exists (select 1 from record_parties p where p.record_id = ${sql.ref('records.id')} and (${sql.join(branches, sql` or `)}))`
}

/**
 * The same restriction for the users table itself, where each user owns its own row:
 * a range on the row's own path, with no subquery.
 *
 * @example
 * db.selectFrom('users').selectAll().where(userWithinLevel('users', actor, 'UNION'))
 */
export function userWithinLevel(usersTable: string, actor: Actor, level: Level): Expression<SqlBool> {
  if (level === 'ALL') return sql<SqlBool>`true`
  if (level === 'SELF') return sql<SqlBool>`${sql.ref(`${usersTable}.id`)} = ${actor.id}`
  return userWithinSubtree(usersTable, reachedPath(actor, level)!)
}

/**
 * Restricts the users table to the user at `path` and everyone below it: a range on the
 * row's own path.
 *
 * @example
 * db.selectFrom('users').selectAll().where(userWithinSubtree('users', '/1/57/'))
 * // … where ("users"."path" >= $1 and "users"."path" < $2)
 */
export function userWithinSubtree(usersTable: string, path: string): Expression<SqlBool> {
  const [lower, upper] = subtreeRange(path)
  const column = sql.ref(`${usersTable}.path`)
  return sql<SqlBool>`(${column} >= ${lower} and ${column} < ${upper})`
}
