import type { TrellisDatabase } from '@trellis/db'
import type { AuthConfig } from '../identity/auth-config.js'
import { revokeOneTimeTokens } from '../identity/one-time-token.js'
import { generateSecret, hashSecret } from '../identity/secret-token.js'
import { enqueueMail } from '../mail/mail.js'

export const INVITATION_TOKEN_PREFIX = 'tri_'

/** Issues a fresh invitation token (older ones stop working) and mails it through the outbox. */
export async function sendInvitation(
  db: TrellisDatabase,
  user: { id: string; email: string },
  config: AuthConfig,
): Promise<Date> {
  await revokeOneTimeTokens(db, user.id, 'invitation')
  const token = generateSecret(INVITATION_TOKEN_PREFIX)
  const expiresAt = new Date(Date.now() + config.invitationDays * 24 * 60 * 60_000)
  await db
    .insertInto('one_time_tokens')
    .values({ user_id: user.id, purpose: 'invitation', token_hash: hashSecret(token), expires_at: expiresAt })
    .execute()
  await enqueueMail(db, {
    recipient: user.email,
    subject: 'You are invited to Trellis',
    body: config.invitationLink
      ? `You have been invited. Accept within ${config.invitationDays} days by opening this link and choosing a password:\n\n${config.invitationLink(token)}\n\nOr use this token: ${token}`
      : `You have been invited. Accept within ${config.invitationDays} days with this token and a password of your choice:\n\n${token}`,
  })
  return expiresAt
}
