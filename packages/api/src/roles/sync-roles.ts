import type { RolesConfig } from '@trellis/core'
import { createRole, type TrellisDatabase, withTransaction } from '@trellis/db'

/**
 * Writes the configured roles that the database does not have yet, with their grants.
 * Roles that exist are left alone: once stored, a role is edited at run time and the
 * config no longer overrides it. Returns the names of the roles it created.
 */
export async function syncRoles(db: TrellisDatabase, roles: RolesConfig): Promise<string[]> {
  return withTransaction(db, async (trx) => {
    const created: string[] = []
    for (const [name, role] of Object.entries(roles)) {
      if (await createRole(trx, name, role)) created.push(name)
    }
    return created
  })
}
