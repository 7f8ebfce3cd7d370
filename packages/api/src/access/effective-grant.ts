import { broadestLevel, type Grant, type Level, PUBLIC_ROLE } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'

/**
 * What the caller's roles grant for one permission: the `public` role for everyone,
 * plus every unscoped role bound to the caller. A boolean grant anywhere wins `true`;
 * leveled grants combine to the broadest level. `undefined` when nothing grants it.
 */
export async function effectiveGrant(
  db: TrellisDatabase,
  callerId: string | null,
  permission: string,
): Promise<Grant | undefined> {
  const rows = await db
    .selectFrom('role_grants')
    .innerJoin('roles', 'roles.id', 'role_grants.role_id')
    .select('role_grants.level')
    .where('role_grants.permission', '=', permission)
    .where((eb) =>
      eb.or([
        eb('roles.name', '=', PUBLIC_ROLE),
        ...(callerId === null
          ? []
          : [
              eb(
                'roles.id',
                'in',
                eb
                  .selectFrom('user_roles')
                  .select('user_roles.role_id')
                  .where('user_roles.user_id', '=', callerId)
                  .where('user_roles.scope', 'is', null),
              ),
            ]),
      ]),
    )
    .execute()
  if (rows.length === 0) return undefined
  if (rows.some((row) => row.level === null)) return true
  return broadestLevel(rows.map((row) => row.level as Level))
}
