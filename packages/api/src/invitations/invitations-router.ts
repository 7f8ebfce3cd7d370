import { addInvitationBindings, clearInvitationBindings, insertUser, userWithinLevel } from '@trellis/db'
import { z } from 'zod'
import { unauthorized } from '../errors/access-errors.js'
import { revokeOneTimeTokens } from '../identity/one-time-token.js'
import { PasswordInput } from '../identity/password-policy.js'
import { redeemOneTimeToken } from '../identity/redeem-one-time-token.js'
import { text } from '../inputs/text.js'
import { newestFirst } from '../pagination/keyset.js'
import { PageOnlyInput } from '../pagination/page-input.js'
import { paginate } from '../pagination/paginate.js'
import { leveledProcedure, router, selfCommittingProcedure } from '../trpc/init.js'
import { mutationTransaction } from '../trpc/mutation-transaction.js'
import { findVisibleUser } from '../users/find-visible-user.js'
import { toUserError } from '../users/user-errors.js'
import { toUserView, USER_VIEW_COLUMNS } from '../users/user-view.js'
import {
  bindAcceptedInvitation,
  CreateInvitationInput,
  grantableBindings,
  invitationBindingViews,
  requestedBindings,
  vouchedBindings,
  vouchForInvitation,
} from './invitation-bindings.js'
import { invitationNotFound } from './invitation-errors.js'
import { sendInvitation } from './invitation-token.js'

const InvitedUserInput = z.object({ userId: z.uuid() })

export const invitationsRouter = router({
  /**
   * Invites a person by email with one or more role bindings (each scoped to an entity type
   * or not), under a parent within the caller's level. The user exists at once, `invited`,
   * holding no role: the invitation carries the bindings, made when it is accepted.
   */
  create: leveledProcedure('invitations.create')
    .input(CreateInvitationInput)
    .mutation(async ({ ctx, input }) => {
      try {
        await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.parentId)
        const requested = requestedBindings(input)
        const grantable = await grantableBindings(ctx.db, ctx.actor.id, requested)
        const user = await insertUser(mutationTransaction(ctx.db), {
          email: input.email,
          kind: 'person',
          status: 'invited',
          parent_id: input.parentId,
        })
        await addInvitationBindings(ctx.db, user.id, ctx.actor.id, grantable)
        const expiresAt = await sendInvitation(ctx.db, user, ctx.auth)
        const bindings = (await invitationBindingViews(ctx.db, [user.id])).get(user.id) ?? []
        return {
          user: toUserView(user),
          role: requested[0]!.role,
          bindings,
          expiresAt: expiresAt.toISOString(),
        }
      } catch (error) {
        toUserError(error)
      }
    }),

  /** Pending invitations within the caller's level, newest first. */
  list: leveledProcedure('invitations.read')
    .input(PageOnlyInput)
    .query(async ({ ctx, input }) => {
      const query = ctx.db
        .selectFrom('users')
        .innerJoin('one_time_tokens', 'one_time_tokens.user_id', 'users.id')
        .select([...USER_VIEW_COLUMNS, 'one_time_tokens.expires_at'])
        .where('users.status', '=', 'invited')
        .where('one_time_tokens.purpose', '=', 'invitation')
        .where('one_time_tokens.used_at', 'is', null)
        .where('one_time_tokens.revoked_at', 'is', null)
        .where(userWithinLevel('users', ctx.actor, ctx.level))
      const page = await paginate(query, newestFirst('users', 'created_at'), input, (row) => ({
        user: toUserView(row),
        expiresAt: row.expires_at.toISOString(),
        expired: row.expires_at.getTime() <= Date.now(),
      }))
      const bindings = await invitationBindingViews(
        ctx.db,
        page.items.map((item) => item.user.id),
      )
      return {
        ...page,
        items: page.items.map((item) => ({ ...item, bindings: bindings.get(item.user.id) ?? [] })),
      }
    }),

  /**
   * Mails a new token (the old one stops working) and restarts the expiry. The caller
   * vouches for the invitation's bindings from now on, so it must be allowed to give each.
   */
  resend: leveledProcedure('invitations.create')
    .input(InvitedUserInput)
    .mutation(async ({ ctx, input }) => {
      const user = await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.userId)
      if (user.status !== 'invited') throw invitationNotFound()
      const { email } = await ctx.db
        .selectFrom('users')
        .select('email')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow()
      await vouchForInvitation(ctx.db, ctx.actor.id, user.id)
      const expiresAt = await sendInvitation(ctx.db, { id: user.id, email }, ctx.auth)
      return { expiresAt: expiresAt.toISOString() }
    }),

  /** Withdraws an invitation: its tokens stop working and the user is deactivated (kept, not deleted). */
  revoke: leveledProcedure('invitations.revoke')
    .input(InvitedUserInput)
    .mutation(async ({ ctx, input }) => {
      const user = await findVisibleUser(ctx.db, ctx.actor, ctx.level, input.userId)
      if (user.status !== 'invited') throw invitationNotFound()
      await revokeOneTimeTokens(ctx.db, user.id, 'invitation')
      await clearInvitationBindings(ctx.db, user.id)
      await ctx.db
        .updateTable('users')
        .set({ status: 'deactivated', updated_at: new Date() })
        .where('id', '=', user.id)
        .execute()
      return { revoked: true as const }
    }),

  /**
   * Accepts an invitation with its token and a password: the user becomes `active` and holds
   * the bindings the invitation carries, if its inviter may still give them (else FORBIDDEN,
   * nothing changes). The token is checked (and the attempt throttled) before the password
   * is hashed.
   */
  accept: selfCommittingProcedure('invitations.accept')
    .input(
      z.object({
        token: text().min(8).max(512),
        password: PasswordInput,
        displayName: text().trim().min(1).max(200).optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const redemption = {
        token: input.token,
        purpose: 'invitation' as const,
        password: input.password,
        clientAddress: ctx.clientAddress,
      }
      return redeemOneTimeToken(ctx.db, redemption, ctx.auth, async (trx, userId, passwordHash) => {
        const bindings = await vouchedBindings(trx, userId)
        const row = await trx
          .updateTable('users')
          .set({
            status: 'active',
            password_hash: passwordHash,
            updated_at: new Date(),
            ...(input.displayName ? { display_name: input.displayName } : {}),
          })
          .where('id', '=', userId)
          .where('status', '=', 'invited')
          .returning(USER_VIEW_COLUMNS)
          .executeTakeFirst()
        if (!row) throw unauthorized()
        await bindAcceptedInvitation(trx, userId, bindings)
        return toUserView(row)
      })
    }),
})
