import type { Grant } from '@trellis/core'
import { loadRoles, type TrellisDatabase } from '@trellis/db'

// Declared here rather than taken from @trellis/db: the router's output types reach
// clients, and no storage type may.
export interface RoleView {
  readonly name: string
  readonly description: string
  readonly protected: boolean
  readonly grants: Record<string, Grant>
}

/** The named roles with their grants. */
export function loadRoleViews(db: TrellisDatabase, names: readonly string[]): Promise<RoleView[]> {
  return loadRoles(db, names)
}
