import {
  findEntityType,
  findEntityTypeOfRecord,
  loadEntityTypes,
  type StoredEntityType,
  type TrellisDatabase,
} from '@trellis/db'
import { sql } from 'kysely'
import type { RecordGrant } from '../access/record-access.js'
import { type ReferenceReader, recordDataProblems } from '../records/record-data.js'
import { loadParties, partiesOf, syncDerivedParties } from '../records/record-parties.js'
import { RECORD_COLUMNS, toRecordView } from '../records/record-view.js'
import { type AuditFacts, recordAuditEvent } from '../trpc/record-audit-event.js'
import { effectWriteRefused } from './effect-errors.js'
import type { EffectLookupOptions, EffectRecordFilter, EffectRecords } from './transition-effects.js'

/** Whom a write is made for, and under which call: what each write's audit event records. */
export type EffectAuditFacts = Omit<AuditFacts, 'procedure' | 'rawInput'>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

// Trusted code reads every record: a reference it writes need only name an existing
// record of the right type. (An anonymous grant at ALL is the filter that lets all through.)
const TRUSTED_READER: ReferenceReader = {
  grantFor: (entityType, action): RecordGrant => ({
    actor: null,
    level: 'ALL',
    permission: `${entityType}.${action}`,
    action,
  }),
  entityTypes: loadEntityTypes,
}

/**
 * The records an effect reads and writes with `trx`, the transition's transaction. Each
 * write is audited as the transition's (`facts.permission`, `charges.execute`) with the
 * procedure `effect:<type>.<update|create>` and the written record as target.
 */
export function effectRecords(trx: TrellisDatabase, facts: EffectAuditFacts): EffectRecords {
  const types = new Map<string, Promise<StoredEntityType | undefined>>()
  const typeNamed = (name: string) => {
    let type = types.get(name)
    if (!type) {
      type = findEntityType(trx, name)
      types.set(name, type)
    }
    return type
  }
  const recordsOf = (type: StoredEntityType) =>
    trx.selectFrom('records').select(RECORD_COLUMNS).where('records.entity_type_id', '=', type.id)
  const audited = async (entityType: string, write: 'update' | 'create', id: string) =>
    recordAuditEvent(
      trx,
      { ...facts, procedure: `effect:${entityType}.${write}`, rawInput: { id } },
      'allowed',
      null,
    )
  const problems = async (
    type: StoredEntityType,
    data: Record<string, unknown>,
    previous?: Record<string, unknown>,
  ) => {
    const issues = await recordDataProblems(trx, TRUSTED_READER, type, data, previous)
    if (issues.length > 0) throw effectWriteRefused(facts.permission, type.name, issues)
  }

  return {
    async get(entityType, id, options: EffectLookupOptions = {}) {
      const type = await typeNamed(entityType)
      if (!type || !UUID.test(id)) return undefined
      const query = recordsOf(type).where('records.id', '=', id)
      const row = await (options.lock ? query.forUpdate() : query).executeTakeFirst()
      return row ? toRecordView(row, type.name, await partiesOf(trx, row.id, type)) : undefined
    },

    async find(entityType, filter: EffectRecordFilter, options: EffectLookupOptions = {}) {
      const type = await typeNamed(entityType)
      if (!type) return []
      let query = recordsOf(type)
      if (filter.ownerId !== undefined) {
        const owners = (typeof filter.ownerId === 'string' ? [filter.ownerId] : filter.ownerId).filter(
          (owner) => UUID.test(owner),
        )
        if (owners.length === 0) return []
        query = query.where('records.owner_id', 'in', owners)
      }
      if (filter.data !== undefined) {
        query = query.where(sql<boolean>`records.data @> ${JSON.stringify(filter.data)}::jsonb`)
      }
      // Rows are locked in the order they are returned: always the same order, so no deadlock.
      const ordered = query.orderBy('records.id')
      const rows = await (options.lock ? ordered.forUpdate() : ordered).execute()
      const parties = await loadParties(
        trx,
        rows.map((row) => ({ id: row.id, type })),
      )
      return rows.map((row) => toRecordView(row, type.name, parties.get(row.id)))
    },

    async update(id, data) {
      const type = UUID.test(id) ? await findEntityTypeOfRecord(trx, id) : undefined
      if (!type)
        throw new Error(`An effect of ${facts.permission} updates record ${id}, which does not exist`)
      const current = await trx
        .selectFrom('records')
        .select('records.data')
        .where('records.id', '=', id)
        .forUpdate()
        .executeTakeFirstOrThrow()
      await problems(type, data, current.data as Record<string, unknown>)
      const row = await trx
        .updateTable('records')
        .set({ data: JSON.stringify(data), updated_at: new Date() })
        .where('id', '=', id)
        .returning(RECORD_COLUMNS)
        .executeTakeFirstOrThrow()
      await syncDerivedParties(trx, type, id, data, current.data as Record<string, unknown>)
      await audited(type.name, 'update', id)
      return toRecordView(row, type.name, await partiesOf(trx, id, type))
    },

    async create(entityType, { ownerId, data }) {
      // Locked like records.create does: a type or owner deleted meanwhile waits for this.
      const type = await findEntityType(trx, entityType, { forShare: true })
      if (!type) throw new Error(`An effect of ${facts.permission} creates a ${entityType}: no such type`)
      const owner = UUID.test(ownerId)
        ? await trx.selectFrom('users').select('id').where('id', '=', ownerId).forShare().executeTakeFirst()
        : undefined
      if (!owner)
        throw new Error(`An effect of ${facts.permission} creates a record for ${ownerId}: no such user`)
      await problems(type, data)
      const row = await trx
        .insertInto('records')
        .values({
          entity_type_id: type.id,
          owner_id: ownerId,
          status: type.stateMachine?.initial ?? null,
          data: JSON.stringify(data),
        })
        .returning(RECORD_COLUMNS)
        .executeTakeFirstOrThrow()
      await syncDerivedParties(trx, type, row.id, data, {})
      await audited(type.name, 'create', row.id)
      return toRecordView(row, type.name, await partiesOf(trx, row.id, type))
    },
  }
}
