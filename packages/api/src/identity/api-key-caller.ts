import type { TrellisDatabase } from '@trellis/db'
import { accessVersionColumn } from '../access/access-snapshot.js'
import { parseApiKey } from './api-key-secret.js'
import { hashesEqual, hashSecret } from './secret-token.js'
import { LAST_USED_RESOLUTION_MS } from './sessions.js'

/** The service user an API key belongs to, and `access_version` read along. */
export interface ApiKeyCaller {
  readonly userId: string
  readonly accessVersion: string
}

/** The service user an API key belongs to, or null for a malformed, unknown or revoked key. */
export async function findApiKeyUser(db: TrellisDatabase, key: string): Promise<ApiKeyCaller | null> {
  const parts = parseApiKey(key)
  if (!parts) return null
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'user_id', 'secret_hash', 'last_used_at', accessVersionColumn()])
    .where('prefix', '=', parts.prefix)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  if (!row || !hashesEqual(row.secret_hash, hashSecret(parts.secret))) return null
  const now = Date.now()
  if (!row.last_used_at || now - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: new Date(now) })
      .where('id', '=', row.id)
      .execute()
  }
  return { userId: row.user_id, accessVersion: row.access_version }
}
