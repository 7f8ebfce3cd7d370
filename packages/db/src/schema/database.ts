import type { Level } from '@trellis/core'
import type { ColumnType, Generated, Kysely } from 'kysely'

export type UserKind = 'person' | 'service'
export type UserStatus = 'invited' | 'active' | 'deactivated'

type CreatedAt = ColumnType<Date, never, never>
type UpdatedAt = ColumnType<Date, never, Date>

export interface UsersTable {
  id: Generated<string>
  email: string
  display_name: Generated<string>
  kind: UserKind
  status: UserStatus
  parent_id: string | null
  password_hash: string | null
  created_at: Generated<CreatedAt>
  updated_at: Generated<UpdatedAt>
}

export interface RolesTable {
  id: Generated<string>
  name: string
  description: Generated<string>
  is_protected: Generated<boolean>
  created_at: Generated<CreatedAt>
  updated_at: Generated<UpdatedAt>
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
  created_at: Generated<CreatedAt>
}

/** Every table Trellis owns, as kysely sees them. */
export interface Database {
  users: UsersTable
  roles: RolesTable
  role_grants: RoleGrantsTable
  user_roles: UserRolesTable
}

/** A kysely handle on the Trellis schema, on PGlite or PostgreSQL. */
export type TrellisDatabase = Kysely<Database>
