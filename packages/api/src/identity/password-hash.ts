import { hash, verify } from '@node-rs/argon2'

// @node-rs/argon2 defaults to argon2id with OWASP-level cost; the parameters travel
// inside the encoded hash, so raising them later still verifies old hashes.

/** An argon2id hash of a password, safe to store. */
export function hashPassword(password: string): Promise<string> {
  return hash(password)
}

/** Whether a password matches a stored hash; false (never a throw) for a malformed hash. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password)
  } catch {
    return false
  }
}
