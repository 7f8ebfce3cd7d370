import type { Database } from '../schema/database.js'

/** A column of some table that holds a user's id. */
export type UserColumn = {
  [Table in keyof Database & string]: {
    readonly table: Table
    readonly column: keyof Database[Table] & string
  }
}[keyof Database & string]

export type OwnedTable = UserColumn & {
  /**
   * Whether the column is a foreign key to `users.id`: then a user owning such rows can
   * only be deleted once an heir takes them, or the delete would break the key.
   */
  readonly foreignKey: boolean
  /** A column holding the owner's `users.path`, kept by the database, if the table has one. */
  readonly ownerPath?: string
}

/**
 * Every table whose rows a user owns: deleting the user hands them to its heir
 * (`deleteUser`), and the test reset empties them. A new owned table goes here, or
 * deleting its owner fails on the foreign key; `owned-tables.test.ts` compares this
 * list with the foreign keys to `users.id` in the catalog.
 */
export const OWNED_TABLES = [
  // owner_path: lists filter a subtree on the record's own index (migration 0010).
  { table: 'records', column: 'owner_id', foreignKey: true, ownerPath: 'owner_path' },
  // No foreign key, so history outlives users: handed to the heir when there is one.
  { table: 'audit_events', column: 'owner_id', foreignKey: false },
] as const satisfies readonly OwnedTable[]

/** A table whose rows go with their user, and the column with its path if the rows carry one. */
export type DeletedWithUser = UserColumn & {
  /** A column holding the user's `users.path`, kept by the database: `moveSubtree` rewrites it. */
  readonly userPath?: string
}

/**
 * Tables whose rows go with their user, deleted by `deleteUser` itself because their
 * foreign key does not cascade (sessions, API keys and one-time tokens cascade).
 */
export const TABLES_DELETED_WITH_USER = [
  { table: 'user_roles', column: 'user_id' },
  // A deleted user is no longer party to anything; the records stay with their owners.
  { table: 'record_parties', column: 'user_id', userPath: 'user_path' },
] as const satisfies readonly DeletedWithUser[]

/** Every column that holds a user's path outside `users` itself: a move rewrites them all. */
export const USER_PATH_COLUMNS: readonly { readonly table: string; readonly column: string }[] = [
  ...OWNED_TABLES.flatMap((owned) =>
    'ownerPath' in owned ? [{ table: owned.table, column: owned.ownerPath }] : [],
  ),
  ...TABLES_DELETED_WITH_USER.flatMap((deleted) =>
    'userPath' in deleted ? [{ table: deleted.table, column: deleted.userPath }] : [],
  ),
]
