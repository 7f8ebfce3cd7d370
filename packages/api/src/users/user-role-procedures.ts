import { bindRole, findBinding, rolesOfUser, unbindRole } from '@trellis/db'
import { z } from 'zod'
import { ScopeInput } from '../access/permission-input.js'
import { lockScopeTarget, scopeTargetNotFound } from '../access/scope-target.js'
import { assertProtectedRolesKeepHolders } from '../roles/protected-roles.js'
import { roleNotHeld } from '../roles/role-errors.js'
import { findAssignableRole } from '../roles/role-escalation.js'
import { RoleName } from '../roles/role-inputs.js'
import { leveledProcedure } from '../trpc/init.js'
import { findVisibleUser } from './find-visible-user.js'
import { userNotFound } from './user-errors.js'

const BindingInput = z.object({
  /** The user the role is bound to. */
  id: z.uuid(),
  role: RoleName,
  /**
   * Limits the binding to the records of one entity type (`entityType:cars`), or to reads
   * through one policy (`policy:partnerFeed`); omit for everywhere.
   */
  scope: ScopeInput.optional(),
})

/** Role bindings of users: spread into the users router. */
export const userRoleProcedures = {
  /** Binds a role to a user within the caller's level; the caller must hold every grant of the role. */
  assignRole: leveledProcedure('users.assignRole')
    .input(BindingInput)
    .mutation(async ({ ctx, input }) => {
      await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.id)
      // Locked, so the type or policy cannot be deleted (with its scoped bindings) under this one.
      if (input.scope && !(await lockScopeTarget(ctx.db, input.scope))) throw scopeTargetNotFound(input.scope)
      const roleId = await findAssignableRole(ctx.db, ctx.actor.id, input.role, input.scope ?? null)
      // Locked after the role (users.delete locks the user's protected roles, then the
      // user): a delete waits for this binding and removes it, or has gone first.
      const user = await ctx.db
        .selectFrom('users')
        .select('id')
        .where('id', '=', input.id)
        .forShare()
        .executeTakeFirst()
      if (!user) throw userNotFound()
      await bindRole(ctx.db, { userId: input.id, roleId, scope: input.scope ?? null })
      return { userId: input.id, role: input.role, scope: input.scope ?? null }
    }),

  /** Removes a binding; refused if it would leave a protected role with no active holder. */
  unassignRole: leveledProcedure('users.unassignRole')
    .input(BindingInput)
    .mutation(async ({ ctx, input }) => {
      await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.id)
      const bindingId = await findBinding(ctx.db, {
        userId: input.id,
        roleName: input.role,
        scope: input.scope ?? null,
      })
      if (!bindingId) throw roleNotHeld()
      await assertProtectedRolesKeepHolders(ctx.db, { userId: input.id, bindingId })
      await unbindRole(ctx.db, bindingId)
      return { userId: input.id, role: input.role, scope: input.scope ?? null }
    }),

  /** The roles bound to a user within the caller's level. */
  roles: leveledProcedure('users.read')
    .input(z.object({ id: z.uuid() }))
    .query(async ({ ctx, input }) => {
      await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.id)
      return rolesOfUser(ctx.db, input.id)
    }),
}
