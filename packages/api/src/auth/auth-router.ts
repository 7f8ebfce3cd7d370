import { setTimeout as sleep } from 'node:timers/promises'
import { withTransaction } from '@trellis/db'
import { unauthorized } from '../errors/access-errors.js'
import {
  clearAccountFailures,
  failureDelayMs,
  loginSubjects,
  releaseAttempt,
  reserveAttempt,
} from '../identity/attempt-throttle.js'
import { samePassword } from '../identity/identity-errors.js'
import { hashPassword, verifyPassword } from '../identity/password-hash.js'
import { assertPasswordAllowed } from '../identity/password-policy.js'
import { redeemOneTimeToken } from '../identity/redeem-one-time-token.js'
import { createSession, endSessions } from '../identity/sessions.js'
import { authenticatedProcedure, booleanProcedure, router, selfCommittingProcedure } from '../trpc/init.js'
import { toUserView, USER_VIEW_COLUMNS } from '../users/user-view.js'
import {
  ChangePasswordInput,
  LoginInput,
  RequestPasswordResetInput,
  ResetPasswordInput,
} from './auth-inputs.js'
import { startPasswordReset } from './password-reset.js'

// Verified when the email is unknown, so a wrong email costs as long as a wrong password.
const UNKNOWN_USER_HASH = hashPassword('not a real password: equalises timing')

export const authRouter = router({
  /**
   * Exchanges an email and password for a session token (shown once; only its hash is
   * stored). The attempt is reserved against the throttle before argon2 runs, so no batch
   * or burst of parallel calls gets more password checks than the limit.
   */
  login: selfCommittingProcedure('auth.login')
    .input(LoginInput)
    .mutation(async ({ ctx, input }) => {
      const reservation = await reserveAttempt(
        ctx.db,
        loginSubjects(input.email, ctx.clientAddress, ctx.auth),
        ctx.auth.loginWindowMinutes,
      )
      const user = await ctx.db
        .selectFrom('users')
        .select([...USER_VIEW_COLUMNS, 'users.password_hash'])
        .where((eb) => eb(eb.fn('lower', ['users.email']), '=', input.email.toLowerCase()))
        .where('users.status', '=', 'active')
        .where('users.kind', '=', 'person')
        .executeTakeFirst()
      const valid = await verifyPassword(user?.password_hash ?? (await UNKNOWN_USER_HASH), input.password)
      if (!user?.password_hash || !valid) {
        // The reservation stays: it is this failure, for the account and the address.
        await sleep(failureDelayMs(reservation.previousFailures))
        throw unauthorized()
      }
      const session = await withTransaction(ctx.db, async (trx) => {
        await clearAccountFailures(trx, input.email)
        await releaseAttempt(trx, reservation)
        return createSession(trx, user.id, ctx.clientAddress, ctx.auth)
      })
      // A cookie session's token stays in the httpOnly cookie: page scripts never see it.
      const inCookie = ctx.sessionCookie?.requested === true
      if (inCookie) ctx.sessionCookie?.set(session.token, session.expiresAt)
      return {
        token: inCookie ? null : session.token,
        expiresAt: session.expiresAt.toISOString(),
        user: toUserView(user),
      }
    }),

  /** Ends the session this call was made with. */
  logout: authenticatedProcedure('auth.logout').mutation(async ({ ctx }) => {
    if (ctx.sessionId) await ctx.db.deleteFrom('sessions').where('id', '=', ctx.sessionId).execute()
    ctx.sessionCookie?.clear()
    return { endedSessions: ctx.sessionId ? 1 : 0 }
  }),

  /** Ends every session of the caller, on every device. */
  logoutEverywhere: authenticatedProcedure('auth.logoutEverywhere').mutation(async ({ ctx }) => {
    const endedSessions = await endSessions(ctx.db, ctx.callerId)
    ctx.sessionCookie?.clear()
    return { endedSessions }
  }),

  /** The signed-in caller. */
  me: authenticatedProcedure('auth.me').query(async ({ ctx }) => {
    const user = await ctx.db
      .selectFrom('users')
      .select(USER_VIEW_COLUMNS)
      .where('users.id', '=', ctx.callerId)
      .executeTakeFirstOrThrow()
    return toUserView(user)
  }),

  /** Sets a new password; every other session of the caller ends at once. */
  changePassword: authenticatedProcedure('auth.changePassword')
    .input(ChangePasswordInput)
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', ctx.callerId)
        .executeTakeFirstOrThrow()
      if (!user.password_hash || !(await verifyPassword(user.password_hash, input.currentPassword))) {
        throw unauthorized()
      }
      assertPasswordAllowed(input.newPassword)
      if (input.newPassword === input.currentPassword) throw samePassword()
      const passwordHash = await hashPassword(input.newPassword)
      await ctx.db
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: new Date() })
        .where('id', '=', ctx.callerId)
        .execute()
      await endSessions(ctx.db, ctx.callerId, ctx.sessionId ?? undefined)
      return { changed: true as const }
    }),

  /** Mails a reset token if the email belongs to an active person. Answers the same either way. */
  requestPasswordReset: booleanProcedure('auth.requestPasswordReset')
    .input(RequestPasswordResetInput)
    .mutation(async ({ ctx, input }) => {
      await startPasswordReset(ctx.db, input.email, ctx.auth)
      return { requested: true as const }
    }),

  /** Spends a reset token to set a new password; all the user's sessions end. Throttled like login. */
  resetPassword: selfCommittingProcedure('auth.resetPassword')
    .input(ResetPasswordInput)
    .mutation(async ({ ctx, input }) => {
      const redemption = {
        token: input.token,
        purpose: 'password_reset' as const,
        password: input.newPassword,
        clientAddress: ctx.clientAddress,
      }
      await redeemOneTimeToken(ctx.db, redemption, ctx.auth, async (trx, userId, passwordHash) => {
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, updated_at: new Date() })
          .where('id', '=', userId)
          .execute()
        await endSessions(trx, userId)
      })
      return { reset: true as const }
    }),
})
