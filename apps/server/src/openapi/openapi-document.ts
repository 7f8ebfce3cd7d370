import { TRELLIS_VERSION } from '@trellis/api'
import type { JsonSchema, RestOperation } from './rest-operations.js'

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['code', 'message', 'reason', 'httpStatus'],
  properties: {
    code: { type: 'string', description: 'The tRPC error code: BAD_REQUEST, FORBIDDEN, NOT_FOUND, ...' },
    message: { type: 'string' },
    reason: { type: 'string', description: 'Why, stable and machine-readable: PERMISSION_REQUIRED, ...' },
    httpStatus: { type: 'integer' },
    path: { type: 'string', description: 'The procedure that answered.' },
    inputIssues: {
      type: 'array',
      description: 'On BAD_REQUEST from input validation: what was wrong, field by field.',
      items: {
        type: 'object',
        required: ['code', 'path', 'message'],
        properties: {
          code: { type: 'string' },
          path: { type: 'array', items: { type: ['string', 'number'] } },
          message: { type: 'string' },
        },
      },
    },
    resetsAt: { type: 'string', description: "On TOO_MANY_REQUESTS from a policy's quota or rate." },
  },
}

/**
 * The OpenAPI 3.1 document of the REST routes, built from the operations (and so from the
 * procedures' own zod input schemas). Answers are documented loosely (any JSON): the
 * procedures declare no output schemas, and the tRPC-typed SDK is the precise client.
 */
export function openApiDocument(operations: readonly RestOperation[]) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const operation of operations) {
    paths[operation.path] = { [operation.method]: operationObject(operation) }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trellis API',
      version: TRELLIS_VERSION,
      description:
        'REST routes over the Trellis procedures: reads are GET with query parameters, writes are POST with a JSON body. Each route calls its tRPC procedure, with the same permission check, audit and errors.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (`trk_...`) or the session token `auth.login` returns.',
        },
      },
      schemas: { Error: ERROR_SCHEMA },
    },
    // Some routes (login, password reset, ...) need no credential; the procedure decides.
    security: [{ bearer: [] }, {}],
  }
}

function operationObject(operation: RestOperation) {
  const tag = operation.procedure.split('.')[0]
  return {
    operationId: operation.procedure,
    tags: tag ? [tag] : [],
    summary: `Calls the \`${operation.procedure}\` ${operation.type}.`,
    ...(operation.method === 'get' ? queryInput(operation.input) : bodyInput(operation.input)),
    responses: {
      '200': { description: 'The answer', content: { 'application/json': { schema: {} } } },
      default: {
        description: 'Refused or failed',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
  }
}

/** A read's top-level input fields as query parameters; non-string values are JSON text. */
function queryInput(input: JsonSchema | undefined) {
  if (!input) return {}
  const properties = (input.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((input.required ?? []) as string[])
  return {
    parameters: Object.entries(properties).map(([name, schema]) => ({
      name,
      in: 'query',
      required: required.has(name),
      // A field that is neither a scalar nor a list is sent as JSON text: OpenAPI says so with `content`.
      ...(isFormValue(schema) ? { schema } : { content: { 'application/json': { schema } } }),
    })),
  }
}

const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean'])

/** A scalar, or a list of scalars (a repeated parameter): written as is in a query string. */
function isFormValue(schema: JsonSchema): boolean {
  if (schema.type === 'array') return isFormValue((schema.items ?? {}) as JsonSchema)
  return SCALAR_TYPES.has(schema.type as string)
}

function bodyInput(input: JsonSchema | undefined) {
  if (!input) return {}
  // An input with a default for the whole object (`{}`) may be left out.
  const required = !('default' in input)
  return { requestBody: { required, content: { 'application/json': { schema: input } } } }
}
