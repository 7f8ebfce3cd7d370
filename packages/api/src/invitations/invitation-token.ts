import type { TrellisDatabase } from '@trellis/db'
import type { AuthConfig } from '../identity/auth-config.js'
import { generateSecret, hashSecret } from '../identity/secret-token.js'
import { enqueueMail } from '../mail/mail.js'

export const INVITATION_TOKEN_PREFIX = 'tri_'

/** Ends every open invitation token of a user. */
export async function revokeInvitationTokens(db: TrellisDatabase, userId: string): Promise<void> {
  await db
    .updateTable('one_time_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('purpose', '=', 'invitation')
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute()
}

/** Issues a fresh invitation token (older ones stop working) and mails it through the outbox. */
export async function sendInvitation(
  db: TrellisDatabase,
  user: { id: string; email: string },
  config: AuthConfig,
): Promise<Date> {
  await revokeInvitationTokens(db, user.id)
  const token = generateSecret(INVITATION_TOKEN_PREFIX)
  const expiresAt = new Date(Date.now() + config.invitationDays * 24 * 60 * 60_000)
  await db
    .insertInto('one_time_tokens')
    .values({ user_id: user.id, purpose: 'invitation', token_hash: hashSecret(token), expires_at: expiresAt })
    .execute()
  await enqueueMail(db, {
    recipient: user.email,
    subject: 'You are invited to Trellis',
    body: `You have been invited. Accept within ${config.invitationDays} days with this token and a password of your choice:\n\n${token}`,
  })
  return expiresAt
}

/** Spends an invitation token: the invited user's id, or null if unknown, used, revoked or expired. */
export async function consumeInvitationToken(db: TrellisDatabase, token: string): Promise<string | null> {
  const spent = await db
    .updateTable('one_time_tokens')
    .set({ used_at: new Date() })
    .where('token_hash', '=', hashSecret(token))
    .where('purpose', '=', 'invitation')
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning('user_id')
    .executeTakeFirst()
  return spent?.user_id ?? null
}
