import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * A new opaque secret: 32 random bytes (256 bits) as base64url, after a readable prefix
 * that says what it is (`trs_` sessions, `trt_` one-time tokens).
 */
export function generateSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`
}

/**
 * What is stored instead of a secret. SHA-256 is enough here: the secrets are random
 * and long, so there is nothing to brute-force (passwords get argon2id instead).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** Compares two hex hashes in constant time. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === right.length && timingSafeEqual(left, right)
}
