import type { UserKind, UserStatus } from '@trellis/core'

/** A user as the API shows it: never its password hash or tree internals. */
export interface UserView {
  readonly id: string
  readonly email: string
  readonly displayName: string
  readonly kind: UserKind
  readonly status: UserStatus
  readonly parentId: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

/** The columns a UserView is made from. */
export const USER_VIEW_COLUMNS = [
  'users.id',
  'users.email',
  'users.display_name',
  'users.kind',
  'users.status',
  'users.parent_id',
  'users.created_at',
  'users.updated_at',
] as const

export function toUserView(row: {
  id: string
  email: string
  display_name: string
  kind: UserKind
  status: UserStatus
  parent_id: string | null
  created_at: Date
  updated_at: Date
}): UserView {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    kind: row.kind,
    status: row.status,
    parentId: row.parent_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}
