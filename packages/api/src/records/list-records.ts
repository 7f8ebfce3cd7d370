import { broadestLevel, type Level } from '@trellis/core'
import {
  type Actor,
  partiesPagedApart,
  reachedPath,
  recordsNewestFirst,
  type TrellisDatabase,
} from '@trellis/db'
import { type Expression, type SqlBool, sql } from 'kysely'
import type { z } from 'zod'
import {
  countedParties,
  type RecordGrant,
  recordsWithin,
  recordsWithinByHalf,
} from '../access/record-access.js'
import { newestFirst } from '../pagination/keyset.js'
import { listTotal } from '../pagination/list-total.js'
import { type Page, pageQuery, paginate } from '../pagination/paginate.js'
import type { RecordGate } from '../trpc/record-gate.js'
import { type ReadableType, readableTypes } from './readable-types.js'
import { reachableSubtreeRoot, recordFilterConditions } from './record-filters.js'
import type { ListRecordsInput } from './record-inputs.js'
import { loadParties } from './record-parties.js'
import { RECORD_COLUMNS, type RecordView, toRecordView } from './record-view.js'

/** Readable types that share a level and the parties read counts: one branch of the filter. */
interface ReadableGroup {
  readonly grant: RecordGrant
  readonly type: ReadableType['type']
  readonly typeIds: string[]
}

function readableGroups(readable: ReadableType[]): ReadableGroup[] {
  const byFilter = new Map<string, ReadableGroup>()
  for (const { type, grant } of readable) {
    // A policy's filter is per type: types read through one share a branch only if their filters match.
    const key = JSON.stringify([
      grant.level,
      countedParties(type, grant.action),
      grant.policy?.filter ?? null,
    ])
    const group = byFilter.get(key) ?? { grant, type, typeIds: [] }
    group.typeIds.push(type.id)
    byFilter.set(key, group)
  }
  return [...byFilter.values()]
}

/** `(type in (…) and condition₁) or …`, one branch per group. */
function anyGroup(branches: { typeIds: string[]; condition: Expression<SqlBool> }[]): Expression<SqlBool> {
  const sqlBranches = branches.map(
    ({ typeIds, condition }) =>
      sql<SqlBool>`(records.entity_type_id in (${sql.join(typeIds)}) and ${condition})`,
  )
  return sql<SqlBool>`(${sql.join(sqlBranches, sql` or `)})`
}

/**
 * `(type in (…) and owner or counted party within level) or …`: one branch per level and
 * set of parties read counts the caller reads types at, each built by the same filter as
 * everything else (`recordsWithin`).
 */
function readableFilter(groups: ReadableGroup[]): Expression<SqlBool> {
  return anyGroup(
    groups.map(({ grant, type, typeIds }) => ({ typeIds, condition: recordsWithin(grant, type) })),
  )
}

/**
 * `readableFilter` split into its owner half (every group) and its party half (the groups
 * a party can widen), with the broadest subtree a counted party can be in (null: the caller
 * alone); undefined when no group has a party half: then the page keeps the one-filter shape.
 */
function readableHalves(
  groups: ReadableGroup[],
  actor: Actor | null,
):
  | {
      readonly owner: Expression<SqlBool>
      readonly party: Expression<SqlBool>
      readonly partyReach: string | null
    }
  | undefined {
  const owners = []
  const parties = []
  const partyLevels: Level[] = []
  for (const { grant, type, typeIds } of groups) {
    const { owner, party } = recordsWithinByHalf(grant, type)
    owners.push({ typeIds, condition: owner })
    if (!party) continue
    parties.push({ typeIds, condition: party })
    partyLevels.push(grant.level)
  }
  if (parties.length === 0 || !actor) return undefined
  const partyReach = reachedPath(actor, broadestLevel(partyLevels)!) ?? null
  return { owner: anyGroup(owners), party: anyGroup(parties), partyReach }
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
  const conditions = recordFilterConditions(input, subtreeRoot)
  const source = await recordsNewestFirst(db, reach)
  const groups = readableGroups(readable)
  const query = withConditions(
    db.selectFrom(source).select(['records.id', 'records.created_at']).where(readableFilter(groups)),
    conditions,
  )
  // The page's ids first, from one index alone (its entries carry the type, the owner's path
  // and the order: migration 0010), then only those rows are read.
  const keyset = newestFirst('records', 'created_at')
  const halves = readableHalves(groups, actor)
  let pageIds = pageQuery(query, keyset, input)
  if (halves && (await partiesPagedApart(db, halves.partyReach)))
    pageIds = halvesMerged(db, source, halves, conditions, input)
  const rows = db
    .selectFrom('records')
    .select([...RECORD_COLUMNS, 'records.entity_type_id'])
    .where('records.id', 'in', pageIds.clearSelect().select('records.id'))
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

/**
 * The page's ids read as two branches, each newest first and one page long after the
 * cursor, merged: with parties, one `where` holding `owner or exists (party)` makes
 * PostgreSQL walk the whole newest-first index for a small subtree, or hash every party
 * row of a large one (bench/README.md, "Issue 14"). The owner half keeps the page's shape
 * (`source`); the party half starts from the party rows. `union` drops a record reached both ways.
 */
function halvesMerged(
  db: TrellisDatabase,
  source: Awaited<ReturnType<typeof recordsNewestFirst>>,
  halves: { readonly owner: Expression<SqlBool>; readonly party: Expression<SqlBool> },
  conditions: Expression<SqlBool>[],
  input: z.output<typeof ListRecordsInput>,
) {
  const keyset = newestFirst('records', 'created_at')
  const owned = pageQuery(
    withConditions(
      db.selectFrom(source).select(['records.id', 'records.created_at']).where(halves.owner),
      conditions,
    ),
    keyset,
    input,
  )
  const viaParty = pageQuery(
    withConditions(
      db.selectFrom('records').select(['records.id', 'records.created_at']).where(halves.party),
      conditions,
    ),
    keyset,
    input,
  )
  const both = db
    .selectFrom(owned.as('owned'))
    .select(['owned.id', 'owned.created_at'])
    .union(db.selectFrom(viaParty.as('via_party')).select(['via_party.id', 'via_party.created_at']))
  return pageQuery(
    db.selectFrom(both.as('records')).select(['records.id', 'records.created_at']),
    keyset,
    input,
  )
}

/** `query` with every one of `conditions`. */
function withConditions<Q extends { where(condition: Expression<SqlBool>): Q }>(
  query: Q,
  conditions: Expression<SqlBool>[],
): Q {
  return conditions.reduce((filtered, condition) => filtered.where(condition), query)
}
