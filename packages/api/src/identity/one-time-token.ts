import type { OneTimeTokenPurpose, TrellisDatabase } from '@trellis/db'
import { hashSecret } from './secret-token.js'

/** Ends every open token of one purpose for a user (a new one replaces them). */
export async function revokeOneTimeTokens(
  db: TrellisDatabase,
  userId: string,
  purpose: OneTimeTokenPurpose,
): Promise<void> {
  await db
    .updateTable('one_time_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute()
}

/** The user an open token of this purpose is for, or null; the token stays unspent. */
export async function findOneTimeTokenUser(
  db: TrellisDatabase,
  token: string,
  purpose: OneTimeTokenPurpose,
): Promise<string | null> {
  const open = await db
    .selectFrom('one_time_tokens')
    .select('user_id')
    .where('token_hash', '=', hashSecret(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst()
  return open?.user_id ?? null
}

/**
 * Spends a one-time token: returns the user it was for, or null when it is unknown, of
 * another purpose, used, revoked or expired. Marked used in the same statement, so two
 * concurrent spends cannot both succeed. Pass the caller's transaction as `db`.
 */
export async function consumeOneTimeToken(
  db: TrellisDatabase,
  token: string,
  purpose: OneTimeTokenPurpose,
): Promise<string | null> {
  const spent = await db
    .updateTable('one_time_tokens')
    .set({ used_at: new Date() })
    .where('token_hash', '=', hashSecret(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning('user_id')
    .executeTakeFirst()
  return spent?.user_id ?? null
}
