import { ancestorPathsOf, deleteUser, moveSubtree, userWithinLevel } from '@trellis/db'
import { endSessions } from '../identity/sessions.js'
import { assertProtectedRolesKeepHolders } from '../roles/protected-roles.js'
import { leveledProcedure, router } from '../trpc/init.js'
import { mutationTransaction } from '../trpc/mutation-transaction.js'
import { findVisibleUser } from './find-visible-user.js'
import { listUsers } from './list-users.js'
import { serviceUserProcedures } from './service-user-procedures.js'
import { cannotChangeSelf, notDeactivated, rootNeedsAll, toUserError, userNotFound } from './user-errors.js'
import {
  ChildrenInput,
  CreateUserInput,
  DeleteUserInput,
  ListUsersInput,
  MoveUserInput,
  UpdateUserInput,
  UserIdInput,
} from './user-inputs.js'
import { userRoleProcedures } from './user-role-procedures.js'
import { toUserView, USER_VIEW_COLUMNS } from './user-view.js'
import { createUserUnder, updateUserDetails } from './user-writes.js'

const refuseSelf = (actorId: string, targetId: string) => {
  if (actorId === targetId) throw cannotChangeSelf()
}

export const usersRouter = router({
  ...userRoleProcedures,
  ...serviceUserProcedures,

  /** Creates a user under a parent within the caller's level. People start `invited`, services `active`. */
  create: leveledProcedure('users.create')
    .input(CreateUserInput)
    .mutation(async ({ ctx, input }) => {
      try {
        await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.parentId)
        return await createUserUnder(ctx.db, input, input.kind)
      } catch (error) {
        toUserError(error)
      }
    }),

  get: leveledProcedure('users.read')
    .input(UserIdInput)
    .query(async ({ ctx, input }) => {
      const row = await ctx.db
        .selectFrom('users')
        .select(USER_VIEW_COLUMNS)
        .where('users.id', '=', input.id)
        .where(userWithinLevel('users', ctx.actor, ctx.level))
        .executeTakeFirst()
      if (!row) throw userNotFound()
      return toUserView(row)
    }),

  list: leveledProcedure('users.read')
    .input(ListUsersInput)
    .query(({ ctx, input }) => listUsers(ctx.db, ctx.actor, ctx.level, input)),

  children: leveledProcedure('users.read')
    .input(ChildrenInput)
    .query(({ ctx, input }) =>
      listUsers(ctx.db, ctx.actor, ctx.level, {
        parentId: input.id,
        cursor: input.cursor,
        limit: input.limit,
      }),
    ),

  /** The user's ancestors that the caller may see, nearest first. */
  ancestors: leveledProcedure('users.read')
    .input(UserIdInput)
    .query(async ({ ctx, input }) => {
      const user = await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.id)
      const ancestorPaths = ancestorPathsOf(user.path)
      if (ancestorPaths.length === 0) return []
      const rows = await ctx.db
        .selectFrom('users')
        .select([...USER_VIEW_COLUMNS, 'users.path'])
        .where('users.path', 'in', ancestorPaths)
        .where(userWithinLevel('users', ctx.actor, ctx.level))
        .execute()
      return rows.sort((a, b) => b.path.length - a.path.length).map(toUserView)
    }),

  update: leveledProcedure('users.update')
    .input(UpdateUserInput)
    .mutation(async ({ ctx, input }) => {
      try {
        await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.id)
        return await updateUserDetails(ctx.db, input)
      } catch (error) {
        toUserError(error)
      }
    }),

  /** Moves a user with its subtree; the user and its new parent must both be within the caller's level. */
  move: leveledProcedure('users.move')
    .input(MoveUserInput)
    .mutation(async ({ ctx, input }) => {
      try {
        await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.id)
        if (input.newParentId === null) {
          if (ctx.level !== 'ALL') throw rootNeedsAll()
        } else {
          await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.newParentId)
        }
        const moved = await moveSubtree(mutationTransaction(ctx.db), input.id, input.newParentId)
        return { id: input.id, parentId: input.newParentId, movedUsers: moved }
      } catch (error) {
        toUserError(error)
      }
    }),

  /** Deletes a user, handing its children and records to `transferTo` (default: its parent). */
  delete: leveledProcedure('users.delete')
    .input(DeleteUserInput)
    .mutation(async ({ ctx, input }) => {
      try {
        refuseSelf(ctx.actor.id, input.id)
        await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.id)
        if (input.transferTo) await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.transferTo)
        await assertProtectedRolesKeepHolders(ctx.db, { userId: input.id })
        const outcome = await deleteUser(mutationTransaction(ctx.db), input.id, input.transferTo)
        return { id: input.id, ...outcome }
      } catch (error) {
        toUserError(error)
      }
    }),

  /** Stops a user from calling anything; everything it owns stays, except its API keys (revoked). */
  deactivate: leveledProcedure('users.deactivate')
    .input(UserIdInput)
    .mutation(async ({ ctx, input }) => {
      refuseSelf(ctx.actor.id, input.id)
      await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.id)
      await assertProtectedRolesKeepHolders(ctx.db, { userId: input.id })
      const row = await ctx.db
        .updateTable('users')
        .set({ status: 'deactivated', updated_at: new Date() })
        .where('id', '=', input.id)
        .returning(USER_VIEW_COLUMNS)
        .executeTakeFirstOrThrow()
      // Its sessions end now, not when they expire; a service's API keys are revoked for
      // good, so a key leaked before never works again, even after a reactivation.
      await endSessions(ctx.db, input.id)
      await ctx.db
        .updateTable('api_keys')
        .set({ revoked_at: new Date() })
        .where('user_id', '=', input.id)
        .where('revoked_at', 'is', null)
        .execute()
      return toUserView(row)
    }),

  reactivate: leveledProcedure('users.reactivate')
    .input(UserIdInput)
    .mutation(async ({ ctx, input }) => {
      const user = await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.id)
      if (user.status !== 'deactivated') throw notDeactivated()
      const row = await ctx.db
        .updateTable('users')
        .set({ status: 'active', updated_at: new Date() })
        .where('id', '=', input.id)
        .returning(USER_VIEW_COLUMNS)
        .executeTakeFirstOrThrow()
      return toUserView(row)
    }),
})
