import { useState } from 'react'

interface FieldSchema {
  type?: string | string[]
  enum?: unknown[]
  title?: string
  description?: string
}

interface ObjectSchema {
  properties?: Record<string, FieldSchema>
  required?: string[]
}

/** The JSON value a form field's text stands for, by the field's schema type. */
export function fieldValue(schema: FieldSchema, text: string): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  if (type === 'number' || type === 'integer') return text === '' ? undefined : Number(text)
  if (type === 'boolean') return text === 'true'
  if (type === 'object' || type === 'array') return text === '' ? undefined : JSON.parse(text)
  return text === '' ? undefined : text
}

/**
 * A form for an entity type's JSON Schema: one input per top-level property (a select for
 * an enum, a checkbox for a boolean, JSON text for nested values). The server validates
 * the data; its refusals name the failing path.
 */
export function SchemaForm({
  schema,
  submitLabel,
  onSubmit,
}: {
  schema: ObjectSchema
  submitLabel: string
  onSubmit: (data: Record<string, unknown>) => void
}) {
  const [values, setValues] = useState<Record<string, string>>({})
  const [problem, setProblem] = useState<string | undefined>()
  const properties = Object.entries(schema.properties ?? {})
  return (
    <form
      className="card"
      onSubmit={(event) => {
        event.preventDefault()
        try {
          const data: Record<string, unknown> = {}
          for (const [name, field] of properties) {
            const value = fieldValue(field, values[name] ?? '')
            if (value !== undefined) data[name] = value
          }
          setProblem(undefined)
          onSubmit(data)
        } catch (error) {
          setProblem(`Not valid JSON: ${(error as Error).message}`)
        }
      }}
    >
      {properties.map(([name, field]) => {
        const label = `${field.title ?? name}${schema.required?.includes(name) ? ' *' : ''}`
        const set = (value: string) => setValues((all) => ({ ...all, [name]: value }))
        const type = Array.isArray(field.type) ? field.type[0] : field.type
        return (
          <label key={name} htmlFor={`field-${name}`} title={field.description}>
            {label}
            {field.enum ? (
              <select
                id={`field-${name}`}
                name={name}
                value={values[name] ?? ''}
                onChange={(e) => set(e.target.value)}
              >
                <option value="" />
                {field.enum.map((option) => (
                  <option key={String(option)}>{String(option)}</option>
                ))}
              </select>
            ) : type === 'boolean' ? (
              <input
                id={`field-${name}`}
                name={name}
                type="checkbox"
                checked={values[name] === 'true'}
                onChange={(e) => set(String(e.target.checked))}
              />
            ) : (
              <input
                id={`field-${name}`}
                name={name}
                type={type === 'number' || type === 'integer' ? 'number' : 'text'}
                placeholder={type === 'object' || type === 'array' ? 'JSON' : ''}
                value={values[name] ?? ''}
                onChange={(e) => set(e.target.value)}
              />
            )}
          </label>
        )
      })}
      <button type="submit">{submitLabel}</button>
      {problem && <p className="error">{problem}</p>}
    </form>
  )
}
