import { type Database, type TrellisDatabase, toCount } from '@trellis/db'
import { type AliasedRawBuilder, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import type { z } from 'zod'
import { recordsWithin } from '../access/record-access.js'
import type { RecordGate } from '../trpc/record-gate.js'
import { aggregateFieldIssues, maskedFieldIssues } from './aggregate-fields.js'
import { readableType } from './readable-types.js'
import { invalidAggregateFields } from './record-errors.js'
import { reachableSubtreeRoot, recordFilterConditions } from './record-filters.js'
import type { AggregateRecordsInput } from './record-inputs.js'

/** At most this many groups come back (the first by key); `truncated` says there were more. */
export const GROUP_CAP = 1_000

/** Totals of a data field per measure: null where no record holds a number in it. */
export type FieldTotals = Readonly<Record<string, number | null>>

export interface AggregateTotals {
  /** Records matched (holding the fields or not). */
  readonly count: number
  readonly sum: FieldTotals
  readonly min: FieldTotals
  readonly max: FieldTotals
}

/**
 * A data field's value, the start of a time bucket (ISO, UTC), a party's user id, or null
 * for records without one.
 */
export type GroupKey = string | number | boolean | null

export interface AggregateGroup extends AggregateTotals {
  readonly key: GroupKey
}

/** The totals over every record matched; with `groupBy`, also per group, ordered by key. */
export interface AggregateResult extends AggregateTotals {
  readonly groups?: AggregateGroup[]
  /** True when there were more than GROUP_CAP groups: `groups` holds the first ones, the totals count all. */
  readonly truncated?: boolean
}

type Input = z.output<typeof AggregateRecordsInput>
type Measure = 'sum' | 'min' | 'max'
const MEASURES: readonly Measure[] = ['sum', 'min', 'max']

// Data fields are read with the field name as a bound parameter, never spliced into the SQL.
// A value that is not a JSON number (stored before a schema change) counts as absent.
const numberIn = (field: string) =>
  sql`case when jsonb_typeof(records.data -> ${field}::text) = 'number' then (records.data ->> ${field}::text)::numeric end`

type GroupBy = NonNullable<Input['groupBy']>
/** The groupings with one key per record, which the record's own columns give. */
type RecordKey = Exclude<GroupBy, { party: string }>

/** What a group is keyed by, per record: a scalar data field (other values are null) or a UTC bucket of createdAt. */
function groupKeyOf(groupBy: RecordKey): RawBuilder<unknown> {
  if ('bucket' in groupBy) return sql`date_trunc(${groupBy.bucket}::text, records.created_at, 'UTC')`
  const value = sql`records.data -> ${groupBy.field}::text`
  return sql`case when jsonb_typeof(${value}) in ('string', 'number', 'boolean') then ${value} end`
}

const toNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value)

/**
 * Count, sum, min and max of numeric data fields over exactly the records of one type the
 * caller may read (its read grant's level, through `recordsWithin`, and the same filters as
 * records.list), optionally per group, computed in SQL in one statement.
 *
 * @example
 * await aggregateRecords(db, access, { entityType: 'balances', sum: ['amount'] })
 * // { count: 12, sum: { amount: 4200 }, min: {}, max: {} }
 */
export async function aggregateRecords(
  db: TrellisDatabase,
  access: RecordGate,
  input: Input,
): Promise<AggregateResult> {
  const { type, grant } = await readableType(db, access, input.entityType)
  // A masked field is refused as masked, whatever else is wrong with it: nothing more is said of it.
  const masked = maskedFieldIssues(grant.policy, input)
  const maskedPaths = new Set(masked.map((issue) => JSON.stringify(issue.path)))
  const issues = [
    ...masked,
    ...aggregateFieldIssues(type, input).filter((issue) => !maskedPaths.has(JSON.stringify(issue.path))),
  ]
  if (issues.length > 0) throw invalidAggregateFields(issues)
  const measures = Object.fromEntries(
    MEASURES.map((measure) => [measure, [...new Set(input[measure])]]),
  ) as Record<Measure, string[]>
  const fields = [...new Set(MEASURES.flatMap((measure) => measures[measure]))]
  const totalsOf = (row: Record<string, unknown>): AggregateTotals => {
    const totals = (measure: Measure) =>
      Object.fromEntries(
        measures[measure].map((field, index) => [field, toNumber(row[`${measure}${index}`])]),
      )
    return {
      count: toCount(row.count as number | string),
      sum: totals('sum'),
      min: totals('min'),
      max: totals('max'),
    }
  }
  const grouped = input.groupBy !== undefined
  const nothing = { ...totalsOf({ count: 0 }), ...(grouped ? { groups: [], truncated: false } : {}) }

  let subtreeRoot: string | undefined
  if (input.subtreeOf) {
    subtreeRoot = await reachableSubtreeRoot(db, grant.actor, grant.level, input.subtreeOf)
    if (!subtreeRoot) return nothing
  }
  // The records matched, each as its id (to join its parties), its fields' numbers and (for a
  // field or bucket) its group key: the only rows read.
  let matched = db
    .selectFrom('records')
    .where('records.entity_type_id', '=', type.id)
    .where(recordsWithin(grant, type))
    .select([
      'records.id',
      ...fields.map((field, index) => numberIn(field).as(`v${index}`)),
      ...(input.groupBy && !('party' in input.groupBy) ? [groupKeyOf(input.groupBy).as('group_key')] : []),
    ])
  for (const condition of recordFilterConditions(input, subtreeRoot)) matched = matched.where(condition)

  const column = (field: string) => sql.ref(`matched.v${fields.indexOf(field)}`)
  // Numeric totals come back as text and become numbers here: exact in SQL, rounded once.
  const aggregates: Aggregates = [
    sql`count(*)`.as('count'),
    ...MEASURES.flatMap((measure) =>
      measures[measure].map((field, index) =>
        sql`${sql.raw(measure)}(${column(field)})::text`.as(`${measure}${index}`),
      ),
    ),
  ]
  const totals = db.selectFrom(matched.as('matched')).select(aggregates)
  if (!input.groupBy) {
    const row = await totals.executeTakeFirstOrThrow()
    return totalsOf(row as Record<string, unknown>)
  }
  // The totals first, then every group by key, the null key last: one statement either way.
  const rows =
    'party' in input.groupBy
      ? await totalsAndPartyGroups(db, matched, aggregates, input.groupBy.party)
      : await totalsAndRecordGroups(totals)
  const [total, ...groups] = rows
  return {
    ...totalsOf(total!),
    groups: groups.slice(0, GROUP_CAP).map((row) => ({ key: keyOf(row.group_key), ...totalsOf(row) })),
    truncated: groups.length > GROUP_CAP,
  }
}

type Aggregates = readonly AliasedRawBuilder<unknown, string>[]
type GroupRows = Promise<Record<string, unknown>[]>

/** One key per record (a field, a bucket): every group, and the totals as the grouping set `()`. */
function totalsAndRecordGroups<DB extends { matched: object }, O>(
  totals: SelectQueryBuilder<DB, 'matched', O>,
): GroupRows {
  const isTotal = sql`grouping(matched.group_key)`
  return totals
    .select([isTotal.as('is_total'), sql.ref('matched.group_key').as('group_key')])
    .groupBy(sql`grouping sets ((matched.group_key), ())`)
    .orderBy(isTotal, 'desc')
    .orderBy(sql`matched.group_key asc nulls last`)
    .limit(GROUP_CAP + 2)
    .execute()
}

/**
 * A record is in the group of each user of the party (or in the null group), so its
 * grouped rows repeat records: the totals come from the matched records themselves,
 * beside the groups (`union all` over the matched records, read once).
 */
function totalsAndPartyGroups<O extends { id: string }>(
  db: TrellisDatabase,
  matched: SelectQueryBuilder<Database, 'records', O>,
  aggregates: Aggregates,
  party: string,
): GroupRows {
  return db
    .with('matched', () => matched)
    .selectFrom('matched')
    .select([...aggregates, sql.lit(true).as('is_total'), sql.lit(null).as('group_key')])
    .unionAll((eb) =>
      eb
        .selectFrom('matched')
        .leftJoin('record_parties as party_users', (join) =>
          join.onRef('party_users.record_id', '=', 'matched.id').on('party_users.party', '=', party),
        )
        .select([
          ...aggregates,
          sql.lit(false).as('is_total'),
          sql.ref('party_users.user_id').as('group_key'),
        ])
        .groupBy('party_users.user_id'),
    )
    .orderBy(sql`is_total desc, group_key asc nulls last`)
    .limit(GROUP_CAP + 2)
    .execute()
}

/** A group's key as the client gets it: a bucket's start as ISO text, a field's JSON value as it is. */
function keyOf(value: unknown): GroupKey {
  if (value instanceof Date) return value.toISOString()
  return value as GroupKey
}
