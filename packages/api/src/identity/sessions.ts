import type { TrellisDatabase } from '@trellis/db'
import { accessVersionColumn } from '../access/access-snapshot.js'
import type { AuthConfig } from './auth-config.js'
import { generateSecret, hashSecret } from './secret-token.js'

export const SESSION_TOKEN_PREFIX = 'trs_'
const MINUTE = 60_000
/**
 * How stale a `last_used_at` may get before a call writes it again. Writing it on every
 * call would turn each read into a write; a minute is fine against timeouts in minutes.
 */
export const LAST_USED_RESOLUTION_MS = MINUTE

export interface NewSession {
  readonly token: string
  readonly expiresAt: Date
}

/** Starts a session and returns its token: the only time the token exists outside the client. */
export async function createSession(
  db: TrellisDatabase,
  userId: string,
  clientAddress: string | undefined,
  config: AuthConfig,
): Promise<NewSession> {
  const token = generateSecret(SESSION_TOKEN_PREFIX)
  const expiresAt = new Date(Date.now() + config.sessionMaxHours * 60 * MINUTE)
  await db
    .insertInto('sessions')
    .values({
      user_id: userId,
      token_hash: hashSecret(token),
      expires_at: expiresAt,
      client_address: clientAddress ?? null,
    })
    .execute()
  return { token, expiresAt }
}

export interface SessionCaller {
  readonly userId: string
  readonly sessionId: string
  /** `access_version`, read by the same statement: the call's access check needs no read of its own. */
  readonly accessVersion: string
}

/** The live session a token belongs to, or null if unknown, expired or idle too long (then it is removed). */
export async function findSession(
  db: TrellisDatabase,
  token: string,
  config: AuthConfig,
): Promise<SessionCaller | null> {
  const session = await db
    .selectFrom('sessions')
    .select(['id', 'user_id', 'last_used_at', 'expires_at', accessVersionColumn()])
    .where('token_hash', '=', hashSecret(token))
    .executeTakeFirst()
  if (!session) return null
  const now = Date.now()
  const idleSince = session.last_used_at.getTime()
  if (session.expires_at.getTime() <= now || idleSince + config.sessionIdleMinutes * MINUTE <= now) {
    await db.deleteFrom('sessions').where('id', '=', session.id).execute()
    return null
  }
  if (now - idleSince > LAST_USED_RESOLUTION_MS) {
    await db
      .updateTable('sessions')
      .set({ last_used_at: new Date(now) })
      .where('id', '=', session.id)
      .execute()
  }
  return { userId: session.user_id, sessionId: session.id, accessVersion: session.access_version }
}

/** Ends sessions of a user: all of them, or all but `keepSessionId`. */
export async function endSessions(
  db: TrellisDatabase,
  userId: string,
  keepSessionId?: string,
): Promise<number> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId)
  if (keepSessionId) query = query.where('id', '!=', keepSessionId)
  const result = await query.executeTakeFirst()
  return Number(result.numDeletedRows)
}
