import { broadestLevel } from '@trellis/core'
import {
  ownerWithinSubtree,
  reachedPath,
  recordsNewestFirst,
  type StoredEntityType,
  type TrellisDatabase,
  userWithinLevel,
} from '@trellis/db'
import { type Expression, type SqlBool, sql } from 'kysely'
import type { z } from 'zod'
import { countedParties, type RecordGrant, recordsWithin } from '../access/record-access.js'
import { entityTypeNotFound } from '../entity-types/entity-type-errors.js'
import { newestFirst } from '../pagination/keyset.js'
import { type Page, pageQuery, paginate } from '../pagination/paginate.js'
import type { RecordGate } from '../trpc/record-gate.js'
import type { ListRecordsInput } from './record-inputs.js'
import { loadParties } from './record-parties.js'
import { RECORD_COLUMNS, type RecordView, toRecordView } from './record-view.js'

/** The readable types with their grants; the types the caller may not read are left out. */
async function readableTypes(db: TrellisDatabase, access: RecordGate, entityType: string | undefined) {
  const types = await access.entityTypes(db)
  if (entityType !== undefined) {
    const type = types.find((type) => type.name === entityType)
    if (!type) throw entityTypeNotFound(entityType)
    return [{ type, grant: access.require(type.name, 'read') }]
  }
  const readable = types.flatMap((type) => {
    const grant = access.grantFor(type.name, 'read')
    return grant ? [{ type, grant }] : []
  })
  // With no types yet there is nothing to refuse: the page is just empty.
  if (readable.length === 0 && types.length > 0) {
    throw access.refuse('records.read')
  }
  return readable
}

/**
 * `(type in (…) and owner or counted party within level) or …`: one branch per level and
 * set of parties read counts the caller reads types at, each built by the same filter as
 * everything else (`recordsWithin`).
 */
function readableFilter(readable: { type: StoredEntityType; grant: RecordGrant }[]): Expression<SqlBool> {
  const byFilter = new Map<string, { grant: RecordGrant; type: StoredEntityType; typeIds: string[] }>()
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
  if (readable.length === 0) return { items: [], nextCursor: null }
  const typesById = new Map(readable.map(({ type }) => [type.id, type]))
  const broadest = broadestLevel(readable.map(({ grant }) => grant.level))!
  const actor = access.actor
  let subtreeRoot: string | undefined
  if (input.subtreeOf) {
    // The subtree's root must be a user the caller reaches at its broadest read level: a
    // root outside it gives an empty page, like an unknown one, so a list cannot tell
    // which users outside the caller's reach sit above the ones it sees.
    let rootQuery = db.selectFrom('users').select('users.path').where('users.id', '=', input.subtreeOf)
    if (actor) rootQuery = rootQuery.where(userWithinLevel('users', actor, broadest))
    const root = await rootQuery.executeTakeFirst()
    if (!root) return { items: [], nextCursor: null }
    subtreeRoot = root.path
  }
  // The subtree the page can reach at most picks how its ids are read (recordsNewestFirst).
  const reach =
    subtreeRoot ?? (broadest === 'ALL' || !actor ? null : (reachedPath(actor, broadest) ?? actor.path))
  let query = db
    .selectFrom(await recordsNewestFirst(db, reach))
    .select(['records.id', 'records.created_at'])
    .where(readableFilter(readable))
  if (input.ownerId) query = query.where('records.owner_id', '=', input.ownerId)
  if (subtreeRoot) query = query.where(ownerWithinSubtree('records.owner_id', subtreeRoot))
  if (input.status) query = query.where('records.status', '=', input.status)
  if (input.createdAfter) query = query.where('records.created_at', '>=', new Date(input.createdAfter))
  if (input.createdBefore) query = query.where('records.created_at', '<', new Date(input.createdBefore))
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
  return {
    ...page,
    items: page.items.map(({ row, type }) => toRecordView(row, type.name, parties.get(row.id))),
  }
}
