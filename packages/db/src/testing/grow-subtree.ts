import { sql } from 'kysely'
import type { TrellisDatabase } from '../schema/database.js'

/**
 * Gives the user `rootId` children up to a subtree of `size` users, in one statement: enough
 * users for a list to change shape (RECORDS_WALK_FROM_USERS, USERS_WALK_FROM_USERS) without thousands of inserts. The
 * children are `<prefix><node>@example.com`; every third is a service, every fifth invited,
 * and their created_at repeats every 97 users, so pages meet ties broken by the id.
 */
export async function growSubtree(
  db: TrellisDatabase,
  rootId: string,
  size: number,
  prefix: string,
): Promise<void> {
  await sql`
    with root as (select id, path from users where id = ${rootId}),
    nodes as (
      select nextval(pg_get_serial_sequence('users', 'node')) as node from generate_series(1, ${size - 1}::int)
    )
    insert into users (email, kind, status, parent_id, node, path, created_at)
    select ${prefix} || node || '@example.com',
           case when node % 3 = 0 then 'service' else 'person' end,
           case when node % 5 = 0 then 'invited' else 'active' end,
           root.id, node, root.path || node || '/',
           timestamptz '2025-01-01 00:00:00+00' + (node % 97) * interval '1 minute'
    from nodes, root
  `.execute(db)
}
