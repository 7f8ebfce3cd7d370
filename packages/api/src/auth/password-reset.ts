import { type TrellisDatabase, withTransaction } from '@trellis/db'
import type { AuthConfig } from '../identity/auth-config.js'
import { revokeOneTimeTokens } from '../identity/one-time-token.js'
import { generateSecret, hashSecret } from '../identity/secret-token.js'
import { enqueueMail } from '../mail/mail.js'

export const RESET_TOKEN_PREFIX = 'trt_'

/**
 * Mails a one-time reset token to an active person with this email, if there is one;
 * earlier unused tokens stop working. Says nothing either way: the caller answers the same.
 */
export async function startPasswordReset(
  db: TrellisDatabase,
  email: string,
  config: AuthConfig,
): Promise<void> {
  await withTransaction(db, async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select(['id', 'email'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .where('status', '=', 'active')
      .where('kind', '=', 'person')
      .executeTakeFirst()
    if (!user) return
    const token = generateSecret(RESET_TOKEN_PREFIX)
    await revokeOneTimeTokens(trx, user.id, 'password_reset')
    await trx
      .insertInto('one_time_tokens')
      .values({
        user_id: user.id,
        purpose: 'password_reset',
        token_hash: hashSecret(token),
        expires_at: new Date(Date.now() + config.passwordResetMinutes * 60_000),
      })
      .execute()
    await enqueueMail(trx, {
      recipient: user.email,
      subject: 'Reset your Trellis password',
      body: config.passwordResetLink
        ? `Someone asked to reset your password. If it was you, open this link within ${config.passwordResetMinutes} minutes and choose a new one:\n\n${config.passwordResetLink(token)}\n\nOr use this token: ${token}\n\nIf it was not you, ignore this mail.`
        : `Someone asked to reset your password. If it was you, use this token within ${config.passwordResetMinutes} minutes:\n\n${token}\n\nIf it was not, ignore this mail.`,
    })
  })
}
