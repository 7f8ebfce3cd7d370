import type { Level } from '@trellis/core'
import { type Expression, type SqlBool, sql } from 'kysely'
import { OWNED_TABLES, type OwnedTable } from '../tree/owned-tables.js'
import { parentPathOf, subtreeRange } from '../tree/user-path.js'

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
