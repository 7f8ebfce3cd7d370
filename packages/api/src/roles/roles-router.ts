import { broadestLevel, type Grant, PUBLIC_ROLE } from '@trellis/core'
import {
  countRoleHolders,
  createRole,
  deleteRole,
  findEntityType,
  findRole,
  grantsOfRole,
  lockRoleGrants,
  setRoleGrant,
  type TrellisDatabase,
  updateRoleDescription,
} from '@trellis/db'
import { z } from 'zod'
import { findPermissionKind } from '../access/permission-kind.js'
import { unknownPermission } from '../errors/access-errors.js'
import { text } from '../inputs/text.js'
import { byName } from '../pagination/keyset.js'
import { PageOnlyInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { booleanProcedure, router } from '../trpc/init.js'
import { assertProtectedRoleKeepsAdministration } from './protected-roles.js'
import {
  grantKindMismatch,
  publicRoleUndeletable,
  roleNameTaken,
  roleNotFound,
  roleStillHeld,
} from './role-errors.js'
import { assertHoldsGrant, assertHoldsGrants } from './role-escalation.js'
import { CreateRoleInput, RoleName, SetGrantInput } from './role-inputs.js'
import { loadRoleViews } from './role-view.js'

/**
 * Checks a grant fits its permission (exists; `true` for boolean, a level for leveled).
 * An entity type's permission (`payments.start`) is checked with the type's row locked
 * FOR SHARE until the transaction ends: an `entityTypes.update` or `delete` removing it
 * waits, then drops the new grant with the rest, or has gone first and the grant is
 * refused here. Either way no stored grant names an undeclared permission.
 */
async function assertGrantFits(db: TrellisDatabase, permission: string, grant: Grant): Promise<void> {
  const [resource] = permission.split('.')
  if (resource) await findEntityType(db, resource, { forShare: true })
  const kind = await findPermissionKind(db, permission)
  if (!kind) throw unknownPermission(permission)
  if ((kind === 'boolean') !== (grant === true)) throw grantKindMismatch(permission, kind)
}

/** The higher of a new grant and the one it replaces, if any (`true` for a boolean permission). */
function higherGrant(next: Grant, old: Grant | undefined): Grant {
  if (next === true || old === true) return true
  return old === undefined ? next : broadestLevel([next, old])!
}

/** A role by name, locked FOR UPDATE until the transaction ends: it is about to change. */
async function lockRole(db: TrellisDatabase, name: string) {
  const role = await findRole(db, name, { forUpdate: true })
  if (!role) throw roleNotFound(name)
  return role
}

export const rolesRouter = router({
  /** Roles with their grants, by name. */
  list: booleanProcedure('roles.read')
    .input(PageOnlyInput)
    .query(async ({ ctx, input }) => {
      const names = await paginate(
        ctx.db.selectFrom('roles').select('roles.name'),
        byName('roles'),
        input,
        (row) => row.name,
      )
      return { ...names, items: await loadRoleViews(ctx.db, names.items) }
    }),

  get: booleanProcedure('roles.read')
    .input(z.object({ name: RoleName }))
    .query(async ({ ctx, input }) => {
      const [role] = await loadRoleViews(ctx.db, [input.name])
      if (!role) throw roleNotFound(input.name)
      return role
    }),

  /** A new role; each grant must be one the caller itself holds at least at that level. */
  create: booleanProcedure('roles.create')
    .input(CreateRoleInput)
    .mutation(async ({ ctx, input }) => {
      const wanted = Object.entries(input.grants).map(([permission, grant]) => ({ permission, grant }))
      for (const { permission, grant } of wanted) await assertGrantFits(ctx.db, permission, grant)
      await assertHoldsGrants(ctx.db, ctx.callerId!, wanted)
      const created = await createRole(ctx.db, input.name, {
        description: input.description,
        grants: input.grants,
      })
      if (!created) throw roleNameTaken(input.name)
      return (await loadRoleViews(ctx.db, [input.name]))[0]!
    }),

  update: booleanProcedure('roles.update')
    .input(z.object({ name: RoleName, description: text().max(500) }))
    .mutation(async ({ ctx, input }) => {
      if (!(await updateRoleDescription(ctx.db, input.name, input.description)))
        throw roleNotFound(input.name)
      return (await loadRoleViews(ctx.db, [input.name]))[0]!
    }),

  /**
   * Enables, re-levels or (with `grant: null`) disables one permission for one role. The
   * caller must hold the permission at the higher of the old and the new grant: lowering
   * or removing a grant is as much a change as raising it. A protected role keeps what
   * administers roles and users (ADMINISTRATION_GRANTS).
   */
  setGrant: booleanProcedure('roles.update')
    .input(SetGrantInput)
    .mutation(async ({ ctx, input }) => {
      await lockRoleGrants(ctx.db)
      // The gate read the caller's grants before the lock; a change that took them away
      // meanwhile counts.
      await assertHoldsGrant(ctx.db, ctx.callerId!, 'roles.update', true)
      const role = await lockRole(ctx.db, input.role)
      const old = (await grantsOfRole(ctx.db, role.id)).get(input.permission)
      assertProtectedRoleKeepsAdministration(role, input.permission, input.grant)
      if (input.grant === null) {
        if (old !== undefined) await assertHoldsGrant(ctx.db, ctx.callerId!, input.permission, old)
      } else {
        await assertGrantFits(ctx.db, input.permission, input.grant)
        await assertHoldsGrant(ctx.db, ctx.callerId!, input.permission, higherGrant(input.grant, old))
      }
      await setRoleGrant(ctx.db, role.id, input.permission, input.grant)
      return (await loadRoleViews(ctx.db, [input.role]))[0]!
    }),

  /** Deletes a role nobody holds; `public` is never deleted. */
  delete: booleanProcedure('roles.delete')
    .input(z.object({ name: RoleName }))
    .mutation(async ({ ctx, input }) => {
      if (input.name === PUBLIC_ROLE) throw publicRoleUndeletable()
      // Locked first: an assignRole of this role (it locks the role FOR SHARE) has either
      // committed, and is counted below, or waits and then finds no role.
      const { id: roleId } = await lockRole(ctx.db, input.name)
      const count = await countRoleHolders(ctx.db, roleId)
      if (count > 0) throw roleStillHeld(input.name, count)
      await deleteRole(ctx.db, roleId)
      return { deleted: input.name }
    }),
})
