import { findRole, type TrellisDatabase } from '@trellis/db'
import { type AccessSnapshot, loadSnapshotWithin } from '../access/access-snapshot.js'
import { firstUnheldGrant, type GrantToHandOut } from '../access/escalation.js'
import { unauthorized } from '../errors/access-errors.js'
import { refusalError } from '../trpc/refusal-error.js'
import { roleNotFound } from './role-errors.js'

/**
 * Refuses (FORBIDDEN, naming the first permission missing) to hand out grants the caller
 * does not itself hold at least as broadly, within `scope` for a scoped binding. Decided
 * on a snapshot read inside the call's transaction, after its locks: a change that took
 * the caller's grants away meanwhile counts.
 */
async function refuseUnheldGrants(
  trx: TrellisDatabase,
  callerId: string,
  grantsToHandOut: (snapshot: AccessSnapshot) => Iterable<GrantToHandOut>,
  scope: string | null,
): Promise<void> {
  const snapshot = await loadSnapshotWithin(trx)
  const caller = await snapshot.caller(trx, callerId)
  if (caller === null) throw unauthorized()
  const refusal = firstUnheldGrant(snapshot, caller, grantsToHandOut(snapshot), scope)
  if (refusal) throw refusalError(refusal)
}

/** Refuses to hand out `grants` unless the caller holds each (see `refuseUnheldGrants`). */
export function assertHoldsGrants(
  trx: TrellisDatabase,
  callerId: string,
  grants: readonly GrantToHandOut[],
): Promise<void> {
  return refuseUnheldGrants(trx, callerId, () => grants, null)
}

/** `assertHoldsGrants` for one grant. */
export function assertHoldsGrant(
  trx: TrellisDatabase,
  callerId: string,
  permission: string,
  grant: GrantToHandOut['grant'],
): Promise<void> {
  return refuseUnheldGrants(trx, callerId, () => [{ permission, grant }], null)
}

/**
 * The id of the role named `name`, which the caller may hand out (within `scope`, for a
 * scoped binding): NOT_FOUND when there is no such role, FORBIDDEN when the caller does
 * not hold all of it. The role's row stays locked (FOR SHARE) until the transaction ends,
 * so a racing `roles.delete` or `roles.setGrant` runs wholly before or after the binding.
 */
export async function findAssignableRole(
  trx: TrellisDatabase,
  callerId: string,
  name: string,
  scope: string | null = null,
): Promise<string> {
  const role = await findRole(trx, name, { forShare: true })
  if (!role) throw roleNotFound(name)
  await refuseUnheldGrants(trx, callerId, (snapshot) => snapshot.roleGrants(role.id), scope)
  return role.id
}
