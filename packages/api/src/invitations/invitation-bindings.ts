import {
  bindRole,
  clearInvitationBindings,
  invitationBindingsOf,
  setInvitationInviter,
  type TrellisDatabase,
} from '@trellis/db'
import { TRPCError } from '@trpc/server'
import { z } from 'zod'
import { type BindingScope, ScopeInput } from '../access/permission-input.js'
import { lockScopeTarget, scopeTarget } from '../access/scope-target.js'
import { text } from '../inputs/text.js'
import { findAssignableRole } from '../roles/role-escalation.js'
import { invitationNoLongerGrantable, unknownScopeTarget } from './invitation-errors.js'

const InvitedRole = text().min(1).max(63)

/** The most bindings one invitation carries. */
export const MAX_INVITATION_BINDINGS = 20

/**
 * Who is invited, where, and with which role bindings: `role` (with `scope` to limit it to
 * one entity type or one policy), or several `bindings`, one of the two.
 */
export const CreateInvitationInput = z
  .object({
    email: z.email().max(254),
    parentId: z.uuid(),
    role: InvitedRole.optional(),
    /** Limits `role` to one entity type (`entityType:cars`) or one policy (`policy:partnerFeed`). */
    scope: ScopeInput.optional(),
    /** Several bindings at once, each scoped or not; instead of `role`. */
    bindings: z
      .array(z.object({ role: InvitedRole, scope: ScopeInput.optional() }))
      .min(1)
      .max(MAX_INVITATION_BINDINGS)
      .optional(),
  })
  .superRefine((input, issues) => {
    if ((input.role === undefined) === (input.bindings === undefined)) {
      issues.addIssue({ code: 'custom', path: ['role'], message: 'Give either role or bindings' })
    }
    if (input.scope !== undefined && input.role === undefined) {
      issues.addIssue({ code: 'custom', path: ['scope'], message: 'A scope limits role: give role with it' })
    }
  })

/** One binding an invitation asks for, with where the input named it (for errors). */
interface RequestedBinding {
  readonly role: string
  readonly scope: BindingScope | null
  readonly path: readonly (string | number)[]
}

export function requestedBindings(input: z.output<typeof CreateInvitationInput>): RequestedBinding[] {
  if (input.role !== undefined) return [{ role: input.role, scope: input.scope ?? null, path: ['scope'] }]
  return (input.bindings ?? []).map((binding, index) => ({
    role: binding.role,
    scope: binding.scope ?? null,
    path: ['bindings', index, 'scope'],
  }))
}

/** A binding to store or make: the role's id and the scope. */
export interface ResolvedBinding {
  readonly roleId: string
  readonly scope: string | null
}

/**
 * The bindings an invitation asks for, each one the inviter may give (as `users.assignRole`
 * decides: NOT_FOUND for an unknown role, FORBIDDEN for one it does not hold within the
 * scope); a scope naming no entity type or policy is BAD_REQUEST at its path. The scoped
 * types or policies and the roles stay locked (FOR SHARE) until the call ends, so none goes
 * away under the invitation. Call before the user is inserted: roles are locked before the tree, as
 * `users.delete` locks them.
 */
export async function grantableBindings(
  trx: TrellisDatabase,
  inviterId: string,
  requested: readonly RequestedBinding[],
): Promise<ResolvedBinding[]> {
  const bindings: ResolvedBinding[] = []
  for (const { role, scope, path } of requested) {
    if (scope !== null && !(await lockScopeTarget(trx, scope)))
      throw unknownScopeTarget(path, scopeTarget(scope))
    bindings.push({ roleId: await findAssignableRole(trx, inviterId, role, scope), scope })
  }
  return bindings
}

/** The bindings an invitation carries, as callers see them. */
export async function invitationBindingViews(
  db: TrellisDatabase,
  userIds: readonly string[],
): Promise<Map<string, { role: string; scope: string | null }[]>> {
  const views = new Map<string, { role: string; scope: string | null }[]>()
  for (const binding of await invitationBindingsOf(db, userIds)) {
    const view = { role: binding.roleName, scope: binding.scope }
    views.set(binding.userId, [...(views.get(binding.userId) ?? []), view])
  }
  return views
}

/**
 * Makes `resenderId` vouch for the invitation's bindings, refused (FORBIDDEN, naming the
 * permission) unless it may give each: a resend by someone allowed revives an invitation
 * its first inviter may no longer honour.
 */
export async function vouchForInvitation(trx: TrellisDatabase, resenderId: string, userId: string) {
  for (const binding of await invitationBindingsOf(trx, [userId])) {
    await findAssignableRole(trx, resenderId, binding.roleName, binding.scope as BindingScope | null)
  }
  await setInvitationInviter(trx, userId, resenderId)
}

/**
 * At acceptance, in the acceptance's transaction and before the user row is touched (roles
 * are locked before users, as `users.delete` locks them): the bindings the invitation
 * carries, each checked again against its inviter as of now (a role changed since the
 * invitation counts). One it may no longer give refuses the whole acceptance. A binding
 * scoped to an entity type or policy deleted meanwhile went with it.
 */
export async function vouchedBindings(trx: TrellisDatabase, userId: string): Promise<ResolvedBinding[]> {
  const bindings: ResolvedBinding[] = []
  for (const binding of await invitationBindingsOf(trx, [userId])) {
    const scope = binding.scope as BindingScope | null
    // Locked like assignRole locks it: a delete of the type or policy waits for this binding.
    if (scope !== null && !(await lockScopeTarget(trx, scope))) continue
    if (binding.invitedBy === null) throw invitationNoLongerGrantable()
    try {
      await findAssignableRole(trx, binding.invitedBy, binding.roleName, scope)
    } catch (error) {
      if (error instanceof TRPCError) throw invitationNoLongerGrantable()
      throw error
    }
    bindings.push({ roleId: binding.roleId, scope })
  }
  return bindings
}

/** Makes the accepted invitation's bindings (see `vouchedBindings`) and forgets the invitation's. */
export async function bindAcceptedInvitation(
  trx: TrellisDatabase,
  userId: string,
  bindings: readonly ResolvedBinding[],
): Promise<void> {
  for (const { roleId, scope } of bindings) await bindRole(trx, { userId, roleId, scope })
  await clearInvitationBindings(trx, userId)
}
