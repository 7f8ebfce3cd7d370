import type { AnyRouter } from '@trpc/server'
import { z } from 'zod'

/** A JSON Schema (draft 2020-12) object, as zod writes it. */
export type JsonSchema = Record<string, unknown>

/** One REST route and the procedure it calls. */
export interface RestOperation {
  /** The procedure's path, e.g. `users.list`: also the operation's `operationId`. */
  readonly procedure: string
  readonly type: 'query' | 'mutation'
  /** Reads are `GET` with the input as query parameters; writes are `POST` with a JSON body. */
  readonly method: 'get' | 'post'
  /** `/api/users/list` for `users.list`. */
  readonly path: string
  /** The procedure's input schema, undefined when it takes none. */
  readonly input: JsonSchema | undefined
}

/** Where the REST routes answer. */
export const REST_BASE_PATH = '/api'

interface ProcedureDefinition {
  readonly _def: { readonly type: string; readonly inputs: readonly z.ZodType[] }
}

/**
 * Every query and mutation of the router as a REST route, derived from the router itself
 * (never listed by hand): a new procedure gets its route and its place in the document,
 * and an input schema cannot differ between the two. Subscriptions have no REST form.
 * (trpc-to-openapi would need an `openapi` meta and an output schema on every procedure,
 * and zod-openapi besides; deriving the routes needs neither.)
 */
export function restOperationsOf(router: AnyRouter): RestOperation[] {
  const procedures = router._def.procedures as Record<string, ProcedureDefinition>
  return Object.entries(procedures).flatMap(([procedure, { _def }]) => {
    if (_def.type !== 'query' && _def.type !== 'mutation') return []
    return [
      {
        procedure,
        type: _def.type,
        method: _def.type === 'query' ? 'get' : 'post',
        path: `${REST_BASE_PATH}/${procedure.split('.').join('/')}`,
        input: inputSchemaOf(_def.inputs),
      } satisfies RestOperation,
    ]
  })
}

function inputSchemaOf(inputs: readonly z.ZodType[]): JsonSchema | undefined {
  const [first, ...rest] = inputs
  if (!first) return undefined
  // tRPC merges chained `.input()`s; an intersection says the same in JSON Schema.
  const schema = rest.reduce<z.ZodType>((all, next) => z.intersection(all, next), first)
  const { $schema: _draft, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
  return json
}
