import { broadestLevel, type Grant, PUBLIC_ROLE } from '@trellis/core'
import { type TrellisDatabase, toCount } from '@trellis/db'
import { z } from 'zod'
import { assertHoldsGrant } from '../access/assert-no-escalation.js'
import { findPermissionKind } from '../access/permission-kind.js'
import { findEntityType } from '../entity-types/entity-type-store.js'
import { TrellisError } from '../errors/trellis-error.js'
import { text } from '../inputs/text.js'
import { byName } from '../pagination/keyset.js'
import { PageOnlyInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { booleanProcedure, router } from '../trpc/init.js'
import { lockRoleGrants } from './lock-role-grants.js'
import { assertProtectedRoleKeepsAdministration } from './protected-roles.js'
import { CreateRoleInput, RoleName, SetGrantInput } from './role-inputs.js'
import { loadRoleViews } from './role-view.js'

const roleNotFound = (name: string) =>
  new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: `Role not found: ${name}` })

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
  if (!kind)
    throw new TrellisError({
      code: 'BAD_REQUEST',
      reason: 'UNKNOWN_PERMISSION',
      message: `Unknown permission: ${permission}`,
    })
  if ((kind === 'boolean') !== (grant === true)) {
    const expected = kind === 'boolean' ? 'true' : 'a level (SELF, OWNED, UNION or ALL)'
    throw new TrellisError({
      code: 'BAD_REQUEST',
      reason: 'GRANT_KIND_MISMATCH',
      message: `${permission} is ${kind}: grant it with ${expected}`,
    })
  }
}

/** The higher of a new grant and the one it replaces, if any (`true` for a boolean permission). */
function higherGrant(next: Grant, old: Grant | undefined): Grant {
  if (next === true || old === true) return true
  return old === undefined ? next : broadestLevel([next, old])!
}

/** A role by name, locked FOR UPDATE until the transaction ends: it is about to change. */
async function lockRole(db: TrellisDatabase, name: string) {
  const role = await db
    .selectFrom('roles')
    .select(['id', 'is_protected'])
    .where('name', '=', name)
    .forUpdate()
    .executeTakeFirst()
  if (!role) throw roleNotFound(name)
  return { id: role.id, name, isProtected: role.is_protected }
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
      for (const [permission, grant] of Object.entries(input.grants)) {
        await assertGrantFits(ctx.db, permission, grant)
        await assertHoldsGrant(ctx.db, ctx.callerId!, permission, grant)
      }
      // One statement decides between two racing creates of one name (no check-then-insert).
      const created = await ctx.db
        .insertInto('roles')
        .values({ name: input.name, description: input.description })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .returning('id')
        .executeTakeFirst()
      if (!created)
        throw new TrellisError({
          code: 'CONFLICT',
          reason: 'NAME_TAKEN',
          message: `A role named ${input.name} already exists`,
        })
      const { id } = created
      const grants = Object.entries(input.grants).map(([permission, grant]) => ({
        role_id: id,
        permission,
        level: grant === true ? null : grant,
      }))
      if (grants.length > 0) await ctx.db.insertInto('role_grants').values(grants).execute()
      return (await loadRoleViews(ctx.db, [input.name]))[0]!
    }),

  update: booleanProcedure('roles.update')
    .input(z.object({ name: RoleName, description: text().max(500) }))
    .mutation(async ({ ctx, input }) => {
      const updated = await ctx.db
        .updateTable('roles')
        .set({ description: input.description, updated_at: new Date() })
        .where('name', '=', input.name)
        .executeTakeFirst()
      if (updated.numUpdatedRows === 0n) throw roleNotFound(input.name)
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
      const stored = await ctx.db
        .selectFrom('role_grants')
        .select('level')
        .where('role_id', '=', role.id)
        .where('permission', '=', input.permission)
        .executeTakeFirst()
      const old: Grant | undefined = stored && (stored.level ?? true)
      assertProtectedRoleKeepsAdministration(role, input.permission, input.grant)
      if (input.grant === null) {
        if (old !== undefined) {
          await assertHoldsGrant(ctx.db, ctx.callerId!, input.permission, old)
          await ctx.db
            .deleteFrom('role_grants')
            .where('role_id', '=', role.id)
            .where('permission', '=', input.permission)
            .execute()
        }
      } else {
        await assertGrantFits(ctx.db, input.permission, input.grant)
        await assertHoldsGrant(ctx.db, ctx.callerId!, input.permission, higherGrant(input.grant, old))
        const level = input.grant === true ? null : input.grant
        await ctx.db
          .insertInto('role_grants')
          .values({ role_id: role.id, permission: input.permission, level })
          .onConflict((conflict) => conflict.columns(['role_id', 'permission']).doUpdateSet({ level }))
          .execute()
      }
      await ctx.db.updateTable('roles').set({ updated_at: new Date() }).where('id', '=', role.id).execute()
      return (await loadRoleViews(ctx.db, [input.role]))[0]!
    }),

  /** Deletes a role nobody holds; `public` is never deleted. */
  delete: booleanProcedure('roles.delete')
    .input(z.object({ name: RoleName }))
    .mutation(async ({ ctx, input }) => {
      if (input.name === PUBLIC_ROLE) {
        throw new TrellisError({
          code: 'BAD_REQUEST',
          reason: 'PUBLIC_ROLE_UNDELETABLE',
          message: 'The public role cannot be deleted',
        })
      }
      // Locked first: an assignRole of this role (it locks the role FOR SHARE) has either
      // committed, and is counted below, or waits and then finds no role.
      const { id: roleId } = await lockRole(ctx.db, input.name)
      const { holders } = await ctx.db
        .selectFrom('user_roles')
        .select((eb) => eb.fn.countAll().as('holders'))
        .where('role_id', '=', roleId)
        .executeTakeFirstOrThrow()
      const count = toCount(holders as string | number)
      if (count > 0) {
        throw new TrellisError({
          code: 'CONFLICT',
          reason: 'STILL_REFERENCED',
          message: `Role ${input.name} is assigned to ${count} user(s): unassign it first`,
        })
      }
      await ctx.db.deleteFrom('roles').where('id', '=', roleId).execute()
      return { deleted: input.name }
    }),
})
