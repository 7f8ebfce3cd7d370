import type { Level, UserKind, UserStatus } from '@trellis/core'
import type { ColumnType, Generated, Kysely } from 'kysely'

export type { UserKind, UserStatus }

/** Set by the database on insert (a test or an import may give one), never updated. */
type CreatedAt = ColumnType<Date, Date | undefined, never>
/** Set on insert; every update sets it again. */
type UpdatedAt = ColumnType<Date, Date | undefined, Date>

export interface UsersTable {
  id: Generated<string>
  email: string
  display_name: Generated<string>
  kind: UserKind
  status: UserStatus
  parent_id: string | null
  /** Small integer key of the user in tree paths. */
  node: ColumnType<string, string | undefined, never>
  /** Materialised path of nodes from the root, e.g. `/1/57/923/`; kept by the tree functions. */
  path: string
  password_hash: string | null
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface RolesTable {
  id: Generated<string>
  name: string
  description: Generated<string>
  is_protected: Generated<boolean>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface RoleGrantsTable {
  role_id: string
  permission: string
  /** `null` for a boolean grant, otherwise the level of a leveled one. */
  level: Level | null
}

export interface UserRolesTable {
  id: Generated<string>
  user_id: string
  role_id: string
  /** A resource the binding is limited to (for example an entity type), or `null` for all. */
  scope: string | null
  created_at: CreatedAt
}

export interface RecordsTable {
  id: Generated<string>
  owner_id: string
  data: Generated<unknown>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

/** Every table Trellis owns, as kysely sees them. */
export interface Database {
  users: UsersTable
  roles: RolesTable
  role_grants: RoleGrantsTable
  user_roles: UserRolesTable
  records: RecordsTable
}

/** A kysely handle on the Trellis schema, on PGlite or PostgreSQL. */
export type TrellisDatabase = Kysely<Database>
