import type { Database } from '@trellis/db'
import { z } from 'zod'
import { dateTimeInput } from '../inputs/date-time.js'
import { text } from '../inputs/text.js'

/**
 * The order a list is paged in. Its columns are compared as one row value against the
 * last row seen, `(created_at, id) < ($1, $2)`, so a page after a cursor walks the index on
 * those columns from where the previous page stopped.
 */
export interface Keyset<Row> {
  /** Qualified columns, most significant first; together they are unique. */
  readonly columns: readonly string[]
  readonly direction: 'asc' | 'desc'
  /** What a cursor holds of the last row of a page (JSON). */
  readonly positionOf: (row: Row) => object
  /** Reads a position back as the values of `columns`; refuses what `positionOf` could not make. */
  readonly position: z.ZodType<readonly unknown[]>
}

type Table = keyof Database & string

const TimeAndId = z
  .object({ t: dateTimeInput(), id: z.uuid() })
  .transform(({ t, id }) => [new Date(t), id] as const)

/**
 * Newest first, `(time desc, id desc)`: the order of rows made over time (users, records,
 * invitations, API keys, audit events). Each such table has an index on these columns.
 *
 * @example
 * newestFirst('audit_events', 'occurred_at') // order by occurred_at desc, id desc
 */
export function newestFirst<Time extends string>(
  table: Table,
  time: Time,
): Keyset<Record<Time, Date> & { id: string }> {
  return {
    columns: [`${table}.${time}`, `${table}.id`],
    direction: 'desc',
    positionOf: (row) => ({ t: row[time].toISOString(), id: row.id }),
    position: TimeAndId,
  }
}

const Name = z.object({ name: text().min(1).max(200) }).transform(({ name }) => [name] as const)

/**
 * A to z by a unique `name`: the order of things people name and look up by name (roles,
 * entity types), paged along the unique index on the name.
 */
export function byName(table: Table): Keyset<{ name: string }> {
  return {
    columns: [`${table}.name`],
    direction: 'asc',
    positionOf: (row) => ({ name: row.name }),
    position: Name,
  }
}
