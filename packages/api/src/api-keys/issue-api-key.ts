import type { TrellisDatabase } from '@trellis/db'
import { generateApiKey } from '../identity/api-key-secret.js'
import { API_KEY_VIEW_COLUMNS, type ApiKeyView, toApiKeyView } from './api-key-view.js'

/**
 * Stores a new key for a service account (the caller has checked it may) and returns
 * the whole key, which is shown this once: only its hash is stored.
 */
export async function issueApiKey(
  db: TrellisDatabase,
  userId: string,
  name: string,
): Promise<{ key: string; apiKey: ApiKeyView }> {
  const { key, prefix, secretHash } = generateApiKey()
  const row = await db
    .insertInto('api_keys')
    .values({ user_id: userId, name, prefix, secret_hash: secretHash })
    .returning(API_KEY_VIEW_COLUMNS)
    .executeTakeFirstOrThrow()
  return { key, apiKey: toApiKeyView(row) }
}
