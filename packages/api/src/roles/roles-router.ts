import type { Grant } from '@trellis/core'
import { PUBLIC_ROLE } from '@trellis/core'
import { type TrellisDatabase, toCount, withTransaction } from '@trellis/db'
import { TRPCError } from '@trpc/server'
import { z } from 'zod'
import { assertHoldsGrant } from '../access/assert-no-escalation.js'
import { findPermissionKind } from '../access/permission-kind.js'
import { text } from '../inputs/text.js'
import { booleanProcedure, router } from '../trpc/init.js'
import { CreateRoleInput, RoleName, SetGrantInput } from './role-inputs.js'
import { loadRoleViews } from './role-view.js'

const roleNotFound = (name: string) =>
  new TRPCError({ code: 'NOT_FOUND', message: `Role not found: ${name}` })

/** Checks a grant fits its permission (exists; `true` for boolean, a level for leveled). */
async function assertGrantFits(db: TrellisDatabase, permission: string, grant: Grant): Promise<void> {
  const kind = await findPermissionKind(db, permission)
  if (!kind) throw new TRPCError({ code: 'BAD_REQUEST', message: `Unknown permission: ${permission}` })
  if ((kind === 'boolean') !== (grant === true)) {
    const expected = kind === 'boolean' ? 'true' : 'a level (SELF, OWNED, UNION or ALL)'
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `${permission} is ${kind}: grant it with ${expected}`,
    })
  }
}

async function findRoleId(db: TrellisDatabase, name: string): Promise<string> {
  const role = await db.selectFrom('roles').select('id').where('name', '=', name).executeTakeFirst()
  if (!role) throw roleNotFound(name)
  return role.id
}

export const rolesRouter = router({
  list: booleanProcedure('roles.read').query(({ ctx }) => loadRoleViews(ctx.db)),

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
      const existing = await ctx.db
        .selectFrom('roles')
        .select('id')
        .where('name', '=', input.name)
        .executeTakeFirst()
      if (existing)
        throw new TRPCError({ code: 'CONFLICT', message: `A role named ${input.name} already exists` })
      const { id } = await ctx.db
        .insertInto('roles')
        .values({ name: input.name, description: input.description })
        .returning('id')
        .executeTakeFirstOrThrow()
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

  /** Enables, re-levels or (with `grant: null`) disables one permission for one role. */
  setGrant: booleanProcedure('roles.update')
    .input(SetGrantInput)
    .mutation(({ ctx, input }) =>
      withTransaction(ctx.db, async (trx) => {
        const roleId = await findRoleId(trx, input.role)
        if (input.grant === null) {
          await trx
            .deleteFrom('role_grants')
            .where('role_id', '=', roleId)
            .where('permission', '=', input.permission)
            .execute()
        } else {
          await assertGrantFits(trx, input.permission, input.grant)
          await assertHoldsGrant(trx, ctx.callerId!, input.permission, input.grant)
          const level = input.grant === true ? null : input.grant
          await trx
            .insertInto('role_grants')
            .values({ role_id: roleId, permission: input.permission, level })
            .onConflict((conflict) => conflict.columns(['role_id', 'permission']).doUpdateSet({ level }))
            .execute()
        }
        await trx.updateTable('roles').set({ updated_at: new Date() }).where('id', '=', roleId).execute()
        return (await loadRoleViews(trx, [input.role]))[0]!
      }),
    ),

  /** Deletes a role nobody holds; `public` is never deleted. */
  delete: booleanProcedure('roles.delete')
    .input(z.object({ name: RoleName }))
    .mutation(async ({ ctx, input }) => {
      if (input.name === PUBLIC_ROLE) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'The public role cannot be deleted' })
      }
      const roleId = await findRoleId(ctx.db, input.name)
      const { holders } = await ctx.db
        .selectFrom('user_roles')
        .select((eb) => eb.fn.countAll().as('holders'))
        .where('role_id', '=', roleId)
        .executeTakeFirstOrThrow()
      const count = toCount(holders as string | number)
      if (count > 0) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: `Role ${input.name} is assigned to ${count} user(s): unassign it first`,
        })
      }
      await ctx.db.deleteFrom('roles').where('id', '=', roleId).execute()
      return { deleted: input.name }
    }),
})
