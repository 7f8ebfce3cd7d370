import { z } from 'zod'
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from './text.js'

// Deeper than any schema or record needs; also keeps the walk and JSON.stringify off the stack's end.
const MAX_DEPTH = 64

interface JsonProblem {
  readonly path: PropertyKey[]
  readonly message: string
}

/** Where a JSON value holds text PostgreSQL cannot store, a `__proto__` key, or nests too deep. */
function jsonProblems(value: unknown, path: PropertyKey[] = []): JsonProblem[] {
  if (typeof value === 'string')
    return isStorableText(value) ? [] : [{ path, message: UNSTORABLE_TEXT_MESSAGE }]
  if (typeof value !== 'object' || value === null) return []
  if (path.length >= MAX_DEPTH) return [{ path, message: `must not nest deeper than ${MAX_DEPTH} levels` }]
  if (Array.isArray(value)) return value.flatMap((item, index) => jsonProblems(item, [...path, index]))
  return Object.entries(value).flatMap(([key, item]): JsonProblem[] => {
    // The key itself is not put in the path: it is what cannot be shown or stored.
    if (!isStorableText(key)) return [{ path, message: `has a key that ${UNSTORABLE_TEXT_MESSAGE}` }]
    if (key === '__proto__') return [{ path, message: 'must not use "__proto__" as a key' }]
    return jsonProblems(item, [...path, key])
  })
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * A JSON object input (record data, a JSON Schema) that can be stored as jsonb and read
 * back without surprises: every key and string storable (see `text`), no `__proto__` key
 * at any depth, at most `maxBytes` of JSON. Kept as sent (`z.record` would silently drop
 * a `__proto__` key instead of refusing it).
 *
 * @example
 * const RecordData = jsonObject(256 * 1024) // { 'a\u0000': 1 } -> "has a key that must not contain NUL ..."
 */
export function jsonObject(maxBytes: number) {
  return z
    .custom<Record<string, unknown>>(isPlainObject, 'must be a JSON object')
    .superRefine((value, ctx) => {
      const problems = jsonProblems(value)
      for (const { path, message } of problems) ctx.addIssue({ code: 'custom', path, message })
      if (problems.length === 0 && JSON.stringify(value).length > maxBytes) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes / 1024} KiB of JSON` })
      }
    })
}
