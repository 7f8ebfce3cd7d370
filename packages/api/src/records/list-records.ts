import { broadestLevel } from '@trellis/core'
import { reachedPath, recordsNewestFirst, type TrellisDatabase } from '@trellis/db'
import { type Expression, type SqlBool, sql } from 'kysely'
import type { z } from 'zod'
import { countedParties, type RecordGrant, recordsWithin } from '../access/record-access.js'
import { newestFirst } from '../pagination/keyset.js'
import { listTotal } from '../pagination/list-total.js'
import { type Page, pageQuery, paginate } from '../pagination/paginate.js'
import type { RecordGate } from '../trpc/record-gate.js'
import { type ReadableType, readableTypes } from './readable-types.js'
import { reachableSubtreeRoot, recordFilterConditions } from './record-filters.js'
import type { ListRecordsInput } from './record-inputs.js'
import { loadParties } from './record-parties.js'
import { RECORD_COLUMNS, type RecordView, toRecordView } from './record-view.js'

/**
 * `(type in (…) and owner or counted party within level) or …`: one branch per level and
 * set of parties read counts the caller reads types at, each built by the same filter as
 * everything else (`recordsWithin`).
 */
function readableFilter(readable: ReadableType[]): Expression<SqlBool> {
  const byFilter = new Map<string, { grant: RecordGrant; type: ReadableType['type']; typeIds: string[] }>()
  for (const { type, grant } of readable) {
    const key = JSON.stringify([grant.level, countedParties(type, grant.action)])
    const group = byFilter.get(key) ?? { grant, type, typeIds: [] }
    group.typeIds.push(type.id)
    byFilter.set(key, group)
  }
  const branches = [...byFilter.values()].map(
    ({ grant, type, typeIds }) =>
      sql<SqlBool>`(records.entity_type_id in (${sql.join(typeIds)}) and ${recordsWithin(grant, type)})`,
  )
  return sql<SqlBool>`(${sql.join(branches, sql` or `)})`
}

/**
 * One page of the records the caller may read, newest first, filtered and paginated in
 * SQL: records outside the caller's level for their type are never fetched.
 */
export async function listRecords(
  db: TrellisDatabase,
  access: RecordGate,
  input: z.output<typeof ListRecordsInput>,
): Promise<Page<RecordView>> {
  const readable = await readableTypes(db, access, input.entityType)
  const empty = {
    items: [],
    nextCursor: null,
    ...(input.withTotal ? { total: { count: 0, exact: true } } : {}),
  }
  if (readable.length === 0) return empty
  const typesById = new Map(readable.map(({ type }) => [type.id, type]))
  const broadest = broadestLevel(readable.map(({ grant }) => grant.level))!
  const actor = access.actor
  let subtreeRoot: string | undefined
  if (input.subtreeOf) {
    subtreeRoot = await reachableSubtreeRoot(db, actor, broadest, input.subtreeOf)
    if (!subtreeRoot) return empty
  }
  // The subtree the page can reach at most picks how its ids are read (recordsNewestFirst).
  const reach =
    subtreeRoot ?? (broadest === 'ALL' || !actor ? null : (reachedPath(actor, broadest) ?? actor.path))
  let query = db
    .selectFrom(await recordsNewestFirst(db, reach))
    .select(['records.id', 'records.created_at'])
    .where(readableFilter(readable))
  for (const condition of recordFilterConditions(input, subtreeRoot)) query = query.where(condition)
  // The page's ids first, from one index alone (its entries carry the type, the owner's path
  // and the order: migration 0010), then only those rows are read.
  const keyset = newestFirst('records', 'created_at')
  const rows = db
    .selectFrom('records')
    .select([...RECORD_COLUMNS, 'records.entity_type_id'])
    .where('records.id', 'in', pageQuery(query, keyset, input).clearSelect().select('records.id'))
  const page = await paginate(rows, keyset, input, (row) => ({
    row,
    type: typesById.get(row.entity_type_id)!,
  }))
  const parties = await loadParties(
    db,
    page.items.map(({ row, type }) => ({ id: row.id, type })),
  )
  const items = page.items.map(({ row, type }) => toRecordView(row, type.name, parties.get(row.id)))
  return input.withTotal ? { ...page, items, total: await listTotal(db, query) } : { ...page, items }
}
