import { findEntityTypeOfRecord, type StoredEntityType, type TrellisDatabase } from '@trellis/db'
import { type RecordGrant, recordsWithin } from '../access/record-access.js'
import type { RecordGate } from '../trpc/record-gate.js'
import { recordNotFound } from './record-errors.js'
import { RECORD_COLUMNS, type RecordRow } from './record-view.js'

function selectWithin(db: TrellisDatabase, id: string, grant: RecordGrant, type: StoredEntityType) {
  return db
    .selectFrom('records')
    .select(RECORD_COLUMNS)
    .where('records.id', '=', id)
    .where(recordsWithin(grant, type))
}

export interface FoundRecord {
  readonly record: RecordRow
  readonly entityType: StoredEntityType
}

/**
 * A record the caller may `action` (a record action or a transition name), locked for
 * update when `lock` is set. A record the caller cannot even see is NOT_FOUND, exactly as
 * one that does not exist; one it can see but not act on is FORBIDDEN. Once the record is
 * known to be visible, the decision is the specific permission (`cars.update`), and the
 * call is audited under it, refused or not (RecordGate).
 */
export async function findRecordFor(
  db: TrellisDatabase,
  access: RecordGate,
  id: string,
  action: string,
  options: RecordLookupOptions = {},
): Promise<FoundRecord> {
  const entityType = await findEntityTypeOfRecord(db, id)
  if (!entityType) throw recordNotFound()
  return findRecordOfType(db, access, id, entityType, action, options)
}

export interface RecordLookupOptions {
  readonly lock?: boolean
}

/** `findRecordFor` when the record's entity type is already known (`findEntityTypeOfRecord`). */
export async function findRecordOfType(
  db: TrellisDatabase,
  access: RecordGate,
  id: string,
  entityType: StoredEntityType,
  action: string,
  options: RecordLookupOptions = {},
): Promise<FoundRecord> {
  const permission = `${entityType.name}.${action}`
  const grant = access.grantFor(entityType.name, action)
  if (grant) {
    const query = selectWithin(db, id, grant, entityType)
    const record = await (options.lock ? query.forUpdate() : query).executeTakeFirst()
    if (record) {
      access.actUnder(grant)
      return { record, entityType }
    }
  }
  if (action !== 'read') {
    const readGrant = access.grantFor(entityType.name, 'read')
    const visible = readGrant
      ? await selectWithin(db, id, readGrant, entityType).executeTakeFirst()
      : undefined
    if (visible) throw access.refuse(permission)
  }
  throw recordNotFound()
}
