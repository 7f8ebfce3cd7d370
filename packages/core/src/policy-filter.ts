import type { JsonSchema } from './entity-type.js'

/** A value a policy filter compares a data field with. */
export type PolicyScalar = string | number | boolean

/**
 * Bounds of a range: all numbers (a numeric field) or all dates as ISO 8601 text (a date
 * field: `2026-01-31` or `2026-01-31T09:30:00Z`, with `Z` or an offset).
 */
export interface PolicyRange {
  readonly gt?: number | string
  readonly gte?: number | string
  readonly lt?: number | string
  readonly lte?: number | string
}

/**
 * Which records of a type a policy lets through, over their top-level data fields. Every
 * condition is true or false for every record (never unknown): a field that is absent, or
 * holds a value of another JSON type, matches no comparison, so `not` is exact.
 */
export type PolicyFilter =
  /** The field holds this JSON value: `"EU"` is not `1`, `1` is `1.0`. */
  | { readonly field: string; readonly eq: PolicyScalar }
  /** The field holds one of these values. */
  | { readonly field: string; readonly in: readonly PolicyScalar[] }
  /** The field holds a number (or a date, as ISO text) within every bound given. */
  | { readonly field: string; readonly range: PolicyRange }
  /** The field is present with a value other than null (`exists: false`: the opposite). */
  | { readonly field: string; readonly exists: boolean }
  | { readonly and: readonly PolicyFilter[] }
  | { readonly or: readonly PolicyFilter[] }
  | { readonly not: PolicyFilter }

/** The bound names of a range, in the order conditions are built. */
export const RANGE_BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const
export type RangeBound = (typeof RANGE_BOUNDS)[number]

// The one date grammar both evaluations accept: a calendar date (midnight UTC), or a date
// and time to the millisecond with `Z` or an offset. Hours stop at 23 and seconds at 59, so
// PostgreSQL and JavaScript never disagree on what a string means (docs/policies.md).
const DATE_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.\d{1,3})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/

/**
 * The instant an ISO date text names (ms since the epoch), or undefined for any text outside
 * the policy date grammar or naming no real day (`2026-02-30`).
 */
export function policyDateValue(text: string): number | undefined {
  const match = DATE_PATTERN.exec(text)
  if (!match) return undefined
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const midnight = new Date(Date.UTC(year, month - 1, day))
  // Date.UTC rolls 2026-02-30 over into March: a real day comes back as itself.
  if (
    midnight.getUTCFullYear() !== year ||
    midnight.getUTCMonth() !== month - 1 ||
    midnight.getUTCDate() !== day
  )
    return undefined
  if (match[4] === undefined) return midnight.getTime()
  const instant = Date.parse(text)
  return Number.isNaN(instant) ? undefined : instant
}

/** The JSON value of a field as a record holds it: undefined when absent. */
function fieldOf(data: Readonly<Record<string, unknown>>, field: string): unknown {
  return Object.hasOwn(data, field) ? data[field] : undefined
}

function isScalar(value: unknown): value is PolicyScalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

function within(value: number, bound: RangeBound, limit: number): boolean {
  if (bound === 'gt') return value > limit
  if (bound === 'gte') return value >= limit
  if (bound === 'lt') return value < limit
  return value <= limit
}

/** Whether the range's bounds are numbers (else dates). */
export function isNumericRange(range: PolicyRange): boolean {
  return RANGE_BOUNDS.some((bound) => typeof range[bound] === 'number')
}

function inRange(value: unknown, range: PolicyRange): boolean {
  const numeric = isNumericRange(range)
  let compared: number | undefined
  if (numeric) compared = typeof value === 'number' ? value : undefined
  else compared = typeof value === 'string' ? policyDateValue(value) : undefined
  if (compared === undefined) return false
  for (const bound of RANGE_BOUNDS) {
    const limit = range[bound]
    if (limit === undefined) continue
    // A bound of the other kind (refused when a policy is saved) matches nothing.
    const limitValue = numeric
      ? typeof limit === 'number'
        ? limit
        : undefined
      : typeof limit === 'string'
        ? policyDateValue(limit)
        : undefined
    if (limitValue === undefined || !within(compared, bound, limitValue)) return false
  }
  return true
}

/**
 * Whether a record's data passes the filter: the reference meaning of every filter, which
 * the SQL compiled from it (`policyFilterCondition` in @trellis/db) must match exactly.
 */
export function evaluatePolicyFilter(filter: PolicyFilter, data: Readonly<Record<string, unknown>>): boolean {
  if ('and' in filter) return filter.and.every((part) => evaluatePolicyFilter(part, data))
  if ('or' in filter) return filter.or.some((part) => evaluatePolicyFilter(part, data))
  if ('not' in filter) return !evaluatePolicyFilter(filter.not, data)
  const value = fieldOf(data, filter.field)
  if ('eq' in filter) return isScalar(value) && value === filter.eq
  if ('in' in filter) return isScalar(value) && filter.in.includes(value)
  if ('range' in filter) return inRange(value, filter.range)
  const present = value !== undefined && value !== null
  return filter.exists ? present : !present
}

/** A filter's comparisons of one field, without `and`, `or` and `not`. */
export type PolicyComparison = Extract<PolicyFilter, { readonly field: string }>

/** Every comparison a filter makes, in the order it makes them. */
export function policyComparisons(filter: PolicyFilter): PolicyComparison[] {
  if ('and' in filter) return filter.and.flatMap(policyComparisons)
  if ('or' in filter) return filter.or.flatMap(policyComparisons)
  if ('not' in filter) return policyComparisons(filter.not)
  return [filter]
}

/** The data fields a filter names, each once, in the order it names them. */
export function policyFilterFields(filter: PolicyFilter): string[] {
  return [...new Set(policyComparisons(filter).map((comparison) => comparison.field))]
}

/** The JSON types a schema property declares (`type: ['string', 'null']`), or undefined for any. */
function declaredTypes(property: unknown): string[] | undefined {
  if (typeof property !== 'object' || property === null) return undefined
  const type = (property as { type?: unknown }).type
  if (typeof type === 'string') return [type]
  if (Array.isArray(type)) return type.filter((entry): entry is string => typeof entry === 'string')
  return undefined
}

function jsonTypeOf(value: PolicyScalar): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

/** Whether a value of JSON type `actual` is one a property of `declared` types can hold. */
function accepts(declared: string[] | undefined, value: PolicyScalar): boolean {
  if (declared === undefined) return true
  const actual = jsonTypeOf(value)
  return declared.includes(actual) || (actual === 'integer' && declared.includes('number'))
}

/** The top-level properties a type's JSON Schema declares, by name. */
function propertiesOf(schema: JsonSchema): Readonly<Record<string, unknown>> {
  const properties = schema.properties
  return typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {}
}

function isDateProperty(property: unknown): boolean {
  const format = (property as { format?: unknown } | undefined)?.format
  return format === 'date' || format === 'date-time'
}

/**
 * What is wrong with a filter for records of a type with this JSON Schema, one message per
 * problem, each naming the field (`"region": not a data field of sensors`). Empty when the
 * filter only names declared fields and compares each with values of its declared type.
 */
export function policyFilterProblems(filter: PolicyFilter, schema: JsonSchema, typeName: string): string[] {
  const properties = propertiesOf(schema)
  return policyComparisons(filter).flatMap((comparison) => {
    const field = comparison.field
    if (!Object.hasOwn(properties, field)) return [`"${field}": not a data field of ${typeName}`]
    const property = properties[field]
    const declared = declaredTypes(property)
    if ('range' in comparison) return rangeProblems(field, comparison.range, property, declared)
    const values = 'eq' in comparison ? [comparison.eq] : 'in' in comparison ? comparison.in : []
    return values.flatMap((value) =>
      accepts(declared, value)
        ? []
        : [`"${field}": ${JSON.stringify(value)} is not a ${declared!.join(' or ')}`],
    )
  })
}

function rangeProblems(
  field: string,
  range: PolicyRange,
  property: unknown,
  declared: string[] | undefined,
): string[] {
  const bounds = RANGE_BOUNDS.flatMap((bound) => (range[bound] === undefined ? [] : [range[bound]!]))
  if (bounds.length === 0) return [`"${field}": a range needs at least one of gt, gte, lt, lte`]
  const numeric = declared?.some((type) => type === 'number' || type === 'integer') ?? false
  const date = (declared?.includes('string') ?? false) && isDateProperty(property)
  if (!numeric && !date)
    return [`"${field}": a range needs a number field or a date field (format date or date-time)`]
  if (numeric && bounds.every((bound) => typeof bound === 'number')) return []
  if (date && bounds.every((bound) => typeof bound === 'string' && policyDateValue(bound) !== undefined))
    return []
  return [
    numeric
      ? `"${field}": the bounds of a range over a number field are numbers`
      : `"${field}": the bounds of a range over a date field are dates (2026-01-31 or 2026-01-31T09:30:00Z)`,
  ]
}

/** What is wrong with a type's field masks: each must name a declared data field. */
export function policyMaskProblems(masks: readonly string[], schema: JsonSchema, typeName: string): string[] {
  const properties = propertiesOf(schema)
  return masks.flatMap((field) =>
    Object.hasOwn(properties, field)
      ? []
      : [`"${field}": not a data field of ${typeName}, so it cannot be masked`],
  )
}

/** A record's data without the masked fields: what a read through the policy returns. */
export function maskPolicyFields(
  data: Readonly<Record<string, unknown>>,
  masks: readonly string[],
): Record<string, unknown> {
  if (masks.length === 0) return { ...data }
  const masked = new Set(masks)
  return Object.fromEntries(Object.entries(data).filter(([field]) => !masked.has(field)))
}

/** A binding's scope limiting a role to reads through one policy (`policy:partnerFeed`). */
export type PolicyScope = `policy:${string}`

export function policyScope(policyName: string): PolicyScope {
  return `policy:${policyName}`
}

/** The policy a scope names, or undefined for a scope of another kind. */
export function policyOfScope(scope: string): string | undefined {
  return scope.startsWith('policy:') ? scope.slice('policy:'.length) : undefined
}

/** A policy's name: camelCase letters and digits, like an entity type's. */
export const POLICY_NAME_PATTERN = /^[a-z][a-zA-Z0-9]{0,62}$/
export const POLICY_SCOPE_PATTERN = new RegExp(`^policy:${POLICY_NAME_PATTERN.source.slice(1)}`)
