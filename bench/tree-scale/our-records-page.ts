// The statement `records.list` sends for a caller reading one entity type at OWNED (or at
// ALL): built from the same pieces and in the same shape as packages/api/src/records/
// list-records.ts (ids from an index, then the page's rows), so the bench times our SQL.
import { type CountedParties, recordsNewestFirst, recordWithinLevel, type TrellisDatabase } from '@trellis/db'
import { type CompiledQuery, type SqlBool, sql } from 'kysely'

const PAGE_ROWS = 51
// What list-records.ts reads of each row of the page (RECORD_COLUMNS and the entity type).
// biome-ignore format: one line, as a mirror of the api's list
const PAGE_COLUMNS = ['records.id', 'records.owner_id', 'records.status', 'records.data', 'records.created_at', 'records.updated_at', 'records.entity_type_id'] as const

export interface PageScope {
  readonly entityTypeId: string
  /** The path of the user whose subtree is read at OWNED, or null for ALL. */
  readonly subtreePath: string | null
  /** The type's parties counted for read (issue 14); none when left out, as for a type without parties. */
  readonly parties?: CountedParties
}

/** Two statements, as records.list sends them: the size check (OWNED only), then the page. */
export async function ourRecordsPage(
  db: TrellisDatabase,
  scope: PageScope,
  cursor: readonly [Date, string] | null,
): Promise<CompiledQuery> {
  const parties = scope.parties ?? { users: [], members: [] }
  const within = scope.subtreePath
    ? recordWithinLevel({ id: '', path: scope.subtreePath }, 'OWNED', parties)
    : recordWithinLevel({ id: '', path: '/' }, 'ALL', parties)
  const order = [sql.ref('records.created_at'), sql.ref('records.id')]
  const after = cursor && sql<SqlBool>`(${sql.join(order)}) < (${sql.join(cursor)})`
  let ids = db
    .selectFrom(await recordsNewestFirst(db, scope.subtreePath))
    .select(['records.id', 'records.created_at'])
    .where(sql<SqlBool>`((records.entity_type_id in (${scope.entityTypeId}) and ${within}))`)
    .orderBy(order[0]!, 'desc')
    .orderBy(order[1]!, 'desc')
  if (after) ids = ids.where(after)
  let rows = db
    .selectFrom('records')
    .select(PAGE_COLUMNS)
    .where('records.id', 'in', ids.limit(PAGE_ROWS).clearSelect().select('records.id'))
    .orderBy(order[0]!, 'desc')
    .orderBy(order[1]!, 'desc')
  if (after) rows = rows.where(after)
  return rows.limit(PAGE_ROWS).compile()
}
