import type { AnyRouter } from '@trpc/server'
import { z } from 'zod'

/** The subset of JSON Schema that zod's `toJSONSchema` emits for our inputs. */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: JsonSchema | boolean
  propertyNames?: JsonSchema
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  pattern?: string
  format?: string
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  allOf?: JsonSchema[]
  default?: unknown
}

export interface CatalogedProcedure {
  /** e.g. `users.create` */
  readonly path: string
  readonly type: 'query' | 'mutation'
  /** What the procedure accepts; undefined when it declares no input. */
  readonly input: JsonSchema | undefined
}

interface ProcedureDef {
  _def: { type: string; inputs: z.ZodType[] }
}

/**
 * Every query and mutation of `router`, read at run time with its input as JSON Schema,
 * so a procedure added later is fuzzed without touching the fuzzer.
 */
export function catalogProcedures(router: AnyRouter): CatalogedProcedure[] {
  const procedures = router._def.procedures as Record<string, ProcedureDef>
  return Object.entries(procedures)
    .filter(([, procedure]) => procedure._def.type === 'query' || procedure._def.type === 'mutation')
    .map(([path, procedure]) => {
      // Refinements and transforms have no JSON Schema; the server still applies them.
      const schemas = procedure._def.inputs.map(
        (input) => z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as JsonSchema,
      )
      const input = schemas.length === 0 ? undefined : schemas.length === 1 ? schemas[0] : { allOf: schemas }
      return { path, type: procedure._def.type as 'query' | 'mutation', input }
    })
}
