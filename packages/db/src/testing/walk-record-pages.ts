import type { Expression, SqlBool } from 'kysely'
import { recordsShaped } from '../access/newest-records.js'
import type { TrellisDatabase } from '../schema/database.js'

/**
 * Every record `filter` keeps, page by page, keyset on (created_at desc, id desc), read
 * from the records in either shape a list may give them (`recordsShaped`): the level
 * filters' property tests walk with it.
 */
export async function walkRecordPages(
  db: TrellisDatabase,
  filter: Expression<SqlBool>,
  walk: boolean,
  pageSize: number,
): Promise<string[]> {
  const seen: string[] = []
  let cursor: { created_at: Date; id: string } | undefined
  for (;;) {
    let query = db
      .selectFrom(recordsShaped(db, walk))
      .select(['records.id', 'records.created_at'])
      .where(filter)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageSize)
    if (cursor) {
      const after = cursor
      query = query.where((eb) =>
        eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.created_at, after.id)),
      )
    }
    const page = await query.execute()
    seen.push(...page.map((row) => row.id))
    if (page.length < pageSize) return seen
    cursor = page[page.length - 1]!
  }
}
