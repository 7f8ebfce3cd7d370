import type { JsonSchema } from './rest-operations.js'

/**
 * A read's input from its query string, read with the input's schema: a string field is
 * taken as written (`?email=a@b.c`), an array field from its repeated parameter
 * (`?sum=a&sum=b`), anything else as JSON text (`?limit=10`, `?withDeactivated=true`,
 * `?where={"status":"open"}`). A value that is not JSON is passed on as text, so the
 * procedure's own validation says what is wrong with it. No parameters is no input.
 */
export function queryInputOf(params: URLSearchParams, schema: JsonSchema | undefined): unknown {
  if ([...params.keys()].length === 0) return undefined
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>
  // Built with fromEntries: a parameter named `__proto__` is then an own field like any
  // other (and dropped by the schema), never the object's prototype.
  return Object.fromEntries(
    [...new Set(params.keys())].map((name) => {
      const property = Object.hasOwn(properties, name) ? properties[name] : undefined
      if (property?.type !== 'array') return [name, parameterValue(params.get(name) ?? '', property ?? {})]
      const items = (property.items ?? {}) as JsonSchema
      return [name, params.getAll(name).map((value) => parameterValue(value, items))]
    }),
  )
}

function parameterValue(text: string, schema: JsonSchema): unknown {
  if (schema.type === 'string') return text
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
