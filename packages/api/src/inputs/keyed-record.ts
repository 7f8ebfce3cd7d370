import { z } from 'zod'
import { text } from './text.js'

const hasOwnProtoKey = (value: unknown) =>
  typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')

/**
 * `z.record(key, value)` for objects whose keys the caller names (grants, references,
 * transitions): keys are `text()`, and a `__proto__` key is refused, where `z.record` would
 * drop it without a word. Wrap `key` for more rules (`text().min(1)`).
 *
 * @example
 * const Grants = keyedRecord(text(), GrantInput) // { __proto__: 'ALL' } -> BAD_REQUEST
 */
export function keyedRecord<V extends z.ZodType>(value: V, key = text()) {
  const record = z.record(key, value)
  return z
    .custom<z.input<typeof record>>((input) => !hasOwnProtoKey(input), 'must not use "__proto__" as a key')
    .pipe(record)
}
