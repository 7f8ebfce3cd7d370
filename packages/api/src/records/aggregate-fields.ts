import type { StoredEntityType } from '@trellis/db'
import type { InputIssue } from '../trpc/error-formatter.js'

type PropertySchema = { readonly [keyword: string]: unknown }

/** The schema of the top-level property `field`, if the type's schema declares one (an own key: not `constructor`). */
function propertyOf(type: StoredEntityType, field: string): PropertySchema | undefined {
  const properties = type.schema.properties
  if (typeof properties !== 'object' || properties === null || !Object.hasOwn(properties, field)) {
    return undefined
  }
  const property = (properties as Record<string, unknown>)[field]
  return typeof property === 'object' && property !== null ? (property as PropertySchema) : undefined
}

/** The JSON types a property declares (`type`, one or a list); empty when it declares none. */
function typesOf(property: PropertySchema): unknown[] {
  const { type } = property
  return Array.isArray(type) ? type : type === undefined ? [] : [type]
}

/** A number the schema vouches for: `type` number or integer (null allowed beside it). */
function isNumeric(property: PropertySchema): boolean {
  const types = typesOf(property)
  return (
    types.some((type) => type === 'number' || type === 'integer') &&
    types.every((type) => type === 'number' || type === 'integer' || type === 'null')
  )
}

const SCALAR_TYPES = new Set<unknown>(['string', 'number', 'integer', 'boolean', 'null'])

/** A value a group can be keyed by: scalar `type`s only, or (with no type) an `enum` of scalars. */
function isScalar(property: PropertySchema): boolean {
  const types = typesOf(property)
  if (types.length > 0) return types.every((type) => SCALAR_TYPES.has(type))
  const { enum: values } = property
  return Array.isArray(values) && values.every((value) => value === null || typeof value !== 'object')
}

/** The measures and the grouping an aggregate names, as validated by its input. */
export interface AggregateFields {
  readonly sum?: readonly string[] | undefined
  readonly min?: readonly string[] | undefined
  readonly max?: readonly string[] | undefined
  readonly groupBy?:
    | { readonly field: string }
    | { readonly bucket: string }
    | { readonly party: string }
    | undefined
}

/**
 * Where an aggregate names a field its type's schema does not declare at the top level of
 * `properties` as it needs it (numeric to sum, min or max; scalar to group by), or groups
 * by a party the type does not declare. Each issue has the path of the name in the input
 * (`['sum', 0]`) and names it.
 */
export function aggregateFieldIssues(type: StoredEntityType, fields: AggregateFields): InputIssue[] {
  const issues: InputIssue[] = []
  const check = (
    field: string,
    path: PropertyKey[],
    fits: (property: PropertySchema) => boolean,
    kind: string,
  ) => {
    const property = propertyOf(type, field)
    const name = JSON.stringify(field)
    if (!property)
      issues.push({ code: 'unknown_field', path, message: `${name} is not a field of ${type.name}` })
    else if (!fits(property)) {
      issues.push({ code: `not_${kind}`, path, message: `${name} is not a ${kind} field of ${type.name}` })
    }
  }
  for (const measure of ['sum', 'min', 'max'] as const) {
    fields[measure]?.forEach((field, index) => {
      check(field, [measure, index], isNumeric, 'numeric')
    })
  }
  if (fields.groupBy && 'field' in fields.groupBy) {
    check(fields.groupBy.field, ['groupBy', 'field'], isScalar, 'scalar')
  }
  if (
    fields.groupBy &&
    'party' in fields.groupBy &&
    !Object.hasOwn(type.parties ?? {}, fields.groupBy.party)
  ) {
    const name = JSON.stringify(fields.groupBy.party)
    issues.push({
      code: 'unknown_party',
      path: ['groupBy', 'party'],
      message: `${name} is not a party of ${type.name}`,
    })
  }
  return issues
}

/**
 * Where an aggregate names a field the policy it reads through masks (to total or to group
 * by): a masked field is not available through it, not even as a sum. Each issue names it.
 */
export function maskedFieldIssues(
  policy: { readonly name: string; readonly masks: readonly string[] } | undefined,
  fields: AggregateFields,
): InputIssue[] {
  if (!policy || policy.masks.length === 0) return []
  const masked = new Set(policy.masks)
  const named: { field: string; path: PropertyKey[] }[] = []
  for (const measure of ['sum', 'min', 'max'] as const) {
    fields[measure]?.forEach((field, index) => {
      named.push({ field, path: [measure, index] })
    })
  }
  if (fields.groupBy && 'field' in fields.groupBy)
    named.push({ field: fields.groupBy.field, path: ['groupBy', 'field'] })
  return named
    .filter(({ field }) => masked.has(field))
    .map(({ field, path }) => ({
      code: 'masked_field',
      path,
      message: `${JSON.stringify(field)} is not available through policy ${policy.name}`,
    }))
}
