import { z } from 'zod'

// Both databases store 4713 BC to 294276 AD, but years outside 1..9999 do not survive the
// trip as ISO text (PGlite refuses year 0 and "+010000"): refuse them at the edge, the same on both.
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z')
const LATEST = Date.parse('9999-12-31T23:59:59.999Z')

/** Whether `iso` names an instant between the years 1 and 9999 (UTC). */
export function isInDateRange(iso: string): boolean {
  const time = Date.parse(iso)
  return time >= EARLIEST && time <= LATEST
}

/**
 * The schema of every date-time input (filters, cursors): ISO 8601 with `Z` or an offset,
 * in the years 1 to 9999 once in UTC.
 *
 * @example
 * dateTimeInput().parse('2026-01-01T00:00:00+02:00') // ok; '0000-01-01T00:00:00Z' is refused
 */
export function dateTimeInput() {
  return z.iso
    .datetime({ offset: true, abort: true })
    .refine(isInDateRange, 'must be a date between the years 1 and 9999 (UTC)')
}
