import {
  isNumericRange,
  type PolicyFilter,
  type PolicyRange,
  policyDateValue,
  RANGE_BOUNDS,
  type RangeBound,
} from '@trellis/core'
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely'

const OPERATORS: Record<RangeBound, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' }

/**
 * The SQL condition of a policy filter on `records.data`, with every field name and value a
 * bound parameter (never spliced into the text). It means exactly what
 * `evaluatePolicyFilter` (@trellis/core) means: each leaf is `coalesce(…, false)`, so a
 * record without the field is false, never unknown, and `not` flips it.
 *
 * @example
 * db.selectFrom('records').where(policyFilterCondition({ field: 'region', eq: 'EU' }))
 */
export function policyFilterCondition(filter: PolicyFilter, table = 'records'): Expression<SqlBool> {
  return condition(filter, sql.ref(`${table}.data`))
}

function condition(filter: PolicyFilter, data: RawBuilder<unknown>): RawBuilder<SqlBool> {
  if ('and' in filter) return joined(filter.and, ' and ', data, sql`true`)
  if ('or' in filter) return joined(filter.or, ' or ', data, sql`false`)
  if ('not' in filter) return sql<SqlBool>`(not ${condition(filter.not, data)})`
  const value = sql`(${data} -> ${filter.field}::text)`
  if ('eq' in filter) return sql<SqlBool>`coalesce(${value} = ${JSON.stringify(filter.eq)}::jsonb, false)`
  if ('in' in filter) {
    if (filter.in.length === 0) return sql<SqlBool>`false`
    const values = filter.in.map((entry) => sql`${JSON.stringify(entry)}::jsonb`)
    return sql<SqlBool>`coalesce(${value} in (${sql.join(values)}), false)`
  }
  if ('range' in filter) return rangeCondition(value, filter.range)
  const present = sql<SqlBool>`coalesce(jsonb_typeof(${value}) <> 'null', false)`
  return filter.exists ? present : sql<SqlBool>`(not ${present})`
}

function joined(
  parts: readonly PolicyFilter[],
  separator: string,
  data: RawBuilder<unknown>,
  empty: RawBuilder<unknown>,
): RawBuilder<SqlBool> {
  if (parts.length === 0) return empty as RawBuilder<SqlBool>
  return sql<SqlBool>`(${sql.join(
    parts.map((part) => condition(part, data)),
    sql.raw(separator),
  )})`
}

/** A number range compares JSON numbers as numeric; a date range, texts in the policy date grammar. */
function rangeCondition(value: RawBuilder<unknown>, range: PolicyRange): RawBuilder<SqlBool> {
  const numeric = isNumericRange(range)
  const compared = numeric
    ? sql`case when jsonb_typeof(${value}) = 'number' then (${value} #>> '{}')::numeric end`
    : sql`trellis_policy_date(${value})`
  const bounds = RANGE_BOUNDS.flatMap((bound) => {
    const limit = range[bound]
    if (limit === undefined) return []
    const operator = sql.raw(OPERATORS[bound])
    // Bounds of the other kind, or dates outside the grammar, are refused when the policy is
    // saved; here they match nothing, as in the reference evaluation.
    if (numeric)
      return [typeof limit === 'number' ? sql`${compared} ${operator} ${String(limit)}::numeric` : sql`false`]
    const instant = typeof limit === 'string' ? policyDateValue(limit) : undefined
    if (instant === undefined) return [sql`false`]
    return [sql`${compared} ${operator} ${new Date(instant).toISOString()}::timestamptz`]
  })
  if (bounds.length === 0) return sql<SqlBool>`coalesce(${compared} is not null, false)`
  return sql<SqlBool>`coalesce(${sql.join(bounds, sql` and `)}, false)`
}
