import type { JsonSchema } from '@trellis/core'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { InputIssue } from '../trpc/error-formatter.js'

// ajv-formats is CommonJS with a default export; under NodeNext its type is the module.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

// Strict: a misspelt keyword is an error, not a silently ignored rule. No `loadSchema`,
// so a `$ref` to anything outside the schema fails instead of fetching it. Own properties
// only: `required: ['constructor']` must not be met by Object.prototype.
const ajv = addFormats(new Ajv({ strict: true, allErrors: true, ownProperties: true }))

const compiled = new Map<string, ValidateFunction>()
const MAX_COMPILED = 1_000

/** A schema that does not compile, with what is wrong. */
export class InvalidSchemaError extends Error {}

/**
 * Compiles a record schema (a JSON Schema, draft-07) or throws InvalidSchemaError saying
 * why. Compiled schemas are kept by their text: compiling is the slow part.
 */
export function compileRecordSchema(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema)
  const known = compiled.get(key)
  if (known) return known
  let validate: ValidateFunction
  try {
    validate = ajv.compile(schema)
  } catch (error) {
    throw new InvalidSchemaError(error instanceof Error ? error.message : String(error))
  } finally {
    // Compiled schemas are also cached inside ajv by identity; this cache is ours.
    ajv.removeSchema(schema)
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear()
  compiled.set(key, validate)
  return validate
}

/** Where record data breaks its schema, as input issues under `data` (empty when it fits). */
export function recordDataIssues(schema: JsonSchema, data: unknown): InputIssue[] {
  const validate = compileRecordSchema(schema)
  if (validate(data)) return []
  return (validate.errors ?? []).map((error) => toIssue(error))
}

function toIssue(error: ErrorObject): InputIssue {
  // `/destination/0` -> ['data', 'destination', '0']; a missing property names itself.
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (error.keyword === 'required') path.push(String(error.params.missingProperty))
  return { code: error.keyword, path: ['data', ...path], message: error.message ?? 'is invalid' }
}
