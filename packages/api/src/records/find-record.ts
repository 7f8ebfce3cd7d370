import { findEntityTypeOfRecord, type StoredEntityType, type TrellisDatabase } from '@trellis/db'
import type { TRPCError } from '@trpc/server'
import { type RecordAccess, type RecordGrant, recordsWithin } from '../access/record-access.js'
import { TrellisError } from '../errors/trellis-error.js'
import type { AuditNote } from '../trpc/init.js'
import { RECORD_COLUMNS, type RecordRow } from './record-view.js'

export function recordNotFound(): TRPCError {
  return new TrellisError({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: 'Record not found' })
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
 * one that does not exist; one it can see but not act on is FORBIDDEN. Once the record is
 * known to be visible, `audit` gets the specific permission (`cars.update`), so a refusal
 * is recorded under it too; a NOT_FOUND keeps the generic one, which tells nothing.
 */
export async function findRecordFor(
  db: TrellisDatabase,
  access: RecordAccess,
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
  readonly audit?: AuditNote
}

/** `findRecordFor` when the record's entity type is already known (`findEntityTypeOfRecord`). */
export async function findRecordOfType(
  db: TrellisDatabase,
  access: RecordAccess,
  id: string,
  entityType: StoredEntityType,
  action: string,
  options: RecordLookupOptions = {},
): Promise<FoundRecord> {
  const permission = `${entityType.name}.${action}`
  const grant = access.grantFor(entityType.name, action)
  if (grant) {
    const query = selectWithin(db, id, grant)
    const record = await (options.lock ? query.forUpdate() : query).executeTakeFirst()
    if (record) {
      if (options.audit) options.audit.permission = permission
      return { record, entityType }
    }
  }
  if (action !== 'read') {
    const readGrant = access.grantFor(entityType.name, 'read')
    const visible = readGrant ? await selectWithin(db, id, readGrant).executeTakeFirst() : undefined
    if (visible) {
      if (options.audit) options.audit.permission = permission
      throw access.refuse(permission)
    }
  }
  throw recordNotFound()
}
