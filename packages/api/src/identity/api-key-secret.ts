import { randomBytes } from 'node:crypto'
import { hashSecret } from './secret-token.js'

export const API_KEY_PREFIX = 'trk_'
const API_KEY = /^trk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/

export interface NewApiKey {
  /** The whole key, shown once: `trk_<prefix>_<secret>`. */
  readonly key: string
  /** The public part, stored in clear to find the key. */
  readonly prefix: string
  readonly secretHash: string
}

export function generateApiKey(): NewApiKey {
  const prefix = randomBytes(6).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  return { key: `${API_KEY_PREFIX}${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) }
}

/** Splits a presented key into its parts, or null when it is not shaped like one. */
export function parseApiKey(key: string): { prefix: string; secret: string } | null {
  const match = API_KEY.exec(key)
  return match ? { prefix: match[1]!, secret: match[2]! } : null
}
