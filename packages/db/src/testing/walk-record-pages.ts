import type { Expression, SelectQueryBuilder, SqlBool } from 'kysely'
import { recordsShaped } from '../access/newest-records.js'
import { usersShaped } from '../access/newest-users.js'
import type { TrellisDatabase } from '../schema/database.js'

type Position = { created_at: Date; id: string }

/**
 * Every id `query` selects, page by page newest first, keyset on (created_at desc, id
 * desc), as a list pages it: the level filters' property tests walk with it.
 */
async function walkPages(query: SelectQueryBuilder<any, any, Position>, pageSize: number): Promise<string[]> {
  const seen: string[] = []
  let cursor: Position | undefined
  for (;;) {
    let page = query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(pageSize)
    const after = cursor
    if (after) {
      page = page.where((eb) =>
        eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.created_at, after.id)),
      )
    }
    const rows = await page.execute()
    seen.push(...rows.map((row) => row.id))
    if (rows.length < pageSize) return seen
    cursor = rows[rows.length - 1]!
  }
}

/** The records `filter` keeps, read in either shape a list may give them (`recordsShaped`). */
export function walkRecordPages(
  db: TrellisDatabase,
  filter: Expression<SqlBool>,
  walk: boolean,
  pageSize: number,
): Promise<string[]> {
  return walkPages(
    db.selectFrom(recordsShaped(db, walk)).select(['records.id', 'records.created_at']).where(filter),
    pageSize,
  )
}

/** The users `filter` keeps, read in either shape users.list may give them (`usersShaped`). */
export function walkUserPages(
  db: TrellisDatabase,
  filter: Expression<SqlBool>,
  walk: boolean,
  pageSize: number,
): Promise<string[]> {
  return walkPages(
    db.selectFrom(usersShaped(db, walk)).select(['users.id', 'users.created_at']).where(filter),
    pageSize,
  )
}
