import { z } from 'zod'

// PostgreSQL text cannot hold NUL (22021; 22P05 inside jsonb), and UTF-8 cannot encode an
// unpaired UTF-16 surrogate (jsonb refuses its escape, text would store U+FFFD instead).
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what it looks for.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL (\\u0000) or an unpaired surrogate'

/** Whether PostgreSQL can store `value` as it is: no NUL, no unpaired surrogate. */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value)
}

/**
 * The schema of every free string input: a string PostgreSQL can store, refused at the
 * edge (BAD_REQUEST with an input issue) instead of failing in SQL. Formats that already
 * exclude such characters (`z.uuid()`, `z.email()`, `z.enum`, patterns) need not use it.
 *
 * @example
 * const Name = text().min(1).max(63) // 'a\u0000b' -> "must not contain NUL (\u0000) ..."
 */
export function text() {
  return z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE)
}
