import type { TrellisDatabase } from '@trellis/db'
import { TRPCError } from '@trpc/server'
import { permissionRequired, unauthorized } from '../access/access-errors.js'
import { type RecordAccess, type RecordGrant, recordsWithin } from '../access/record-access.js'
import type { StoredEntityType } from '../entity-types/entity-type-store.js'
import { RECORD_COLUMNS, type RecordRow } from './record-view.js'

export function recordNotFound(): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: 'Record not found' })
}

/** The entity type of a record, read before any decision: the decision depends on it. */
async function entityTypeOfRecord(db: TrellisDatabase, id: string): Promise<StoredEntityType | undefined> {
  const row = await db
    .selectFrom('records')
    .innerJoin('entity_types', 'entity_types.id', 'records.entity_type_id')
    .select([
      'entity_types.id',
      'entity_types.name',
      'entity_types.description',
      'entity_types.schema',
      'entity_types.state_machine',
      'entity_types.created_at',
      'entity_types.updated_at',
    ])
    .where('records.id', '=', id)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    schema: row.schema as StoredEntityType['schema'],
    stateMachine: (row.state_machine ?? null) as StoredEntityType['stateMachine'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function selectWithin(db: TrellisDatabase, id: string, grant: RecordGrant) {
  return db
    .selectFrom('records')
    .select(RECORD_COLUMNS)
    .where('records.id', '=', id)
    .where(recordsWithin(grant))
}

export interface FoundRecord {
  readonly record: RecordRow
  readonly entityType: StoredEntityType
}

/**
 * A record the caller may `action` (a record action or a transition name), locked for
 * update when `lock` is set. A record the caller cannot even see is NOT_FOUND, exactly as
 * one that does not exist; one it can see but not act on is FORBIDDEN.
 */
export async function findRecordFor(
  db: TrellisDatabase,
  access: RecordAccess,
  id: string,
  action: string,
  options: { lock?: boolean } = {},
): Promise<FoundRecord> {
  const entityType = await entityTypeOfRecord(db, id)
  if (!entityType) throw recordNotFound()
  const grant = access.grantFor(entityType.name, action)
  if (grant) {
    const query = selectWithin(db, id, grant)
    const record = await (options.lock ? query.forUpdate() : query).executeTakeFirst()
    if (record) return { record, entityType }
  }
  if (action !== 'read') {
    const readGrant = access.grantFor(entityType.name, 'read')
    const visible = readGrant ? await selectWithin(db, id, readGrant).executeTakeFirst() : undefined
    if (visible)
      throw access.actor === null ? unauthorized() : permissionRequired(`${entityType.name}.${action}`)
  }
  throw recordNotFound()
}
