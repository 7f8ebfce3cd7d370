import type { TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'

// Any key will do as long as only role grant changes use it (the user tree uses ...001).
const ROLE_GRANTS_LOCK_KEY = 7_310_245_002

/**
 * Serialises changes to role grants until the transaction ends. Each change is checked
 * against the grants its caller holds, which another change may be lowering: two callers
 * lowering each other's grant would each pass on what it read before the other wrote.
 * With the lock the second sees the first's result. Call first in the transaction.
 */
export async function lockRoleGrants(trx: TrellisDatabase): Promise<void> {
  await sql`select pg_advisory_xact_lock(${ROLE_GRANTS_LOCK_KEY})`.execute(trx)
}
