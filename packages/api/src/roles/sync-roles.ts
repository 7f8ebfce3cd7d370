import type { RolesConfig } from '@trellis/core'
import { type Database, withTransaction } from '@trellis/db'
import type { Kysely } from 'kysely'

/**
 * Writes the configured roles that the database does not have yet, with their grants.
 * Roles that exist are left alone: once stored, a role is edited at run time and the
 * config no longer overrides it. Returns the names of the roles it created.
 */
export async function syncRoles(db: Kysely<Database>, roles: RolesConfig): Promise<string[]> {
  return withTransaction(db, async (trx) => {
    const existing = new Set(
      (await trx.selectFrom('roles').select('name').execute()).map((role) => role.name),
    )
    const created: string[] = []
    for (const [name, role] of Object.entries(roles)) {
      if (existing.has(name)) continue
      const { id } = await trx
        .insertInto('roles')
        .values({ name, description: role.description ?? '', is_protected: role.protected ?? false })
        .returning('id')
        .executeTakeFirstOrThrow()
      const grants = Object.entries(role.grants).map(([permission, grant]) => ({
        role_id: id,
        permission,
        level: grant === true ? null : (grant ?? null),
      }))
      if (grants.length > 0) await trx.insertInto('role_grants').values(grants).execute()
      created.push(name)
    }
    return created
  })
}
