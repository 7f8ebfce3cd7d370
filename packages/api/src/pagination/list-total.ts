import { type TrellisDatabase, toCount } from '@trellis/db'
import { type SelectQueryBuilder, sql } from 'kysely'

/**
 * Lists count their items exactly up to this many; past it a total only says "at least
 * this many", so asking for one never reads more than TOTAL_CAP + 1 matching rows.
 */
export const TOTAL_CAP = 10_000

/** How many items a list holds across all its pages, as of the call. */
export interface ListTotal {
  /** The number of items, or TOTAL_CAP when there are more. */
  readonly count: number
  /** False when the list holds more than `count` items. */
  readonly exact: boolean
}

/**
 * The items `filtered` (a list's query with all its filters, before paging) matches,
 * counted in SQL up to `cap` + 1 rows.
 *
 * @example
 * await listTotal(db, db.selectFrom('users').select('users.id').where(userWithinLevel('users', actor, level)))
 * // select count(*) from (select 1 from users where … limit 10001) as matched
 */
export async function listTotal<DB, TB extends keyof DB, O>(
  db: TrellisDatabase,
  filtered: SelectQueryBuilder<DB, TB, O>,
  cap = TOTAL_CAP,
): Promise<ListTotal> {
  const matched = filtered
    .clearSelect()
    .clearOrderBy()
    .select(sql.lit(1).as('one'))
    .limit(cap + 1)
  const row = await db
    .selectFrom(matched.as('matched'))
    .select((eb) => eb.fn.countAll().as('count'))
    .executeTakeFirstOrThrow()
  const count = toCount(row.count as string | number)
  return count > cap ? { count: cap, exact: false } : { count, exact: true }
}
