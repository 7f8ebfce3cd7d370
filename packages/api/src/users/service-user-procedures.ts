import type { Level } from '@trellis/core'
import { type Actor, deleteUser, type TrellisDatabase } from '@trellis/db'
import { assertProtectedRolesKeepHolders } from '../roles/protected-roles.js'
import { leveledProcedure } from '../trpc/init.js'
import { mutationTransaction } from '../trpc/mutation-transaction.js'
import { findVisibleUser } from './find-visible-user.js'
import { notAServiceUser, serviceHasChildren, toUserError } from './user-errors.js'
import { CreateUserInput, UpdateUserInput, UserIdInput } from './user-inputs.js'
import { createUserUnder, updateUserDetails } from './user-writes.js'

/** A service account within the caller's level; a person is refused, whatever the caller may read. */
async function findVisibleService(db: TrellisDatabase, actor: Actor, level: Level, userId: string) {
  await findVisibleUser(db, actor, level, userId)
  const user = await db.selectFrom('users').select('kind').where('id', '=', userId).executeTakeFirstOrThrow()
  if (user.kind !== 'service') throw notAServiceUser()
}

/**
 * Service accounts without user management (Bobsled's Member): `users.manageServices`
 * creates, renames and deletes users of kind `service`, within the caller's level, and
 * nothing else. Their roles, moves and people stay with the `users.*` permissions.
 * Spread into the users router.
 */
export const serviceUserProcedures = {
  /** Creates an active service account (no roles) under a parent within the caller's level. */
  createService: leveledProcedure('users.manageServices')
    .input(CreateUserInput.omit({ kind: true }))
    .mutation(async ({ ctx, input }) => {
      try {
        await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.parentId)
        return await createUserUnder(ctx.db, input, 'service')
      } catch (error) {
        toUserError(error)
      }
    }),

  /** Changes a service account's email or display name. */
  updateService: leveledProcedure('users.manageServices')
    .input(UpdateUserInput)
    .mutation(async ({ ctx, input }) => {
      try {
        // A user's kind never changes, so the one found is still a service account.
        await findVisibleService(ctx.db, ctx.actor, ctx.level, input.id)
        return await updateUserDetails(ctx.db, input)
      } catch (error) {
        toUserError(error)
      }
    }),

  /**
   * Deletes a service account with its API keys; its records go to its parent. One with
   * users under it is refused: moving them is user management.
   */
  deleteService: leveledProcedure('users.manageServices')
    .input(UserIdInput)
    .mutation(async ({ ctx, input }) => {
      try {
        await findVisibleService(ctx.db, ctx.actor, ctx.level, input.id)
        await assertProtectedRolesKeepHolders(ctx.db, { userId: input.id })
        const outcome = await deleteUser(mutationTransaction(ctx.db), input.id)
        // Decided under the tree lock deleteUser takes, so a child added meanwhile counts;
        // the call's transaction then rolls the whole delete back.
        if (outcome.movedChildren > 0) throw serviceHasChildren()
        return { id: input.id, ...outcome }
      } catch (error) {
        toUserError(error)
      }
    }),
}
