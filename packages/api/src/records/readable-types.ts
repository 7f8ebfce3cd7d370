import type { StoredEntityType, TrellisDatabase } from '@trellis/db'
import type { RecordGrant } from '../access/record-access.js'
import { entityTypeNotFound } from '../entity-types/entity-type-errors.js'
import type { RecordGate } from '../trpc/record-gate.js'

/** An entity type the caller reads, with the grant it reads it under. */
export interface ReadableType {
  readonly type: StoredEntityType
  readonly grant: RecordGrant
}

/** The type named `entityType` and the caller's read grant on it: NOT_FOUND if unknown, FORBIDDEN if not readable. */
export async function readableType(
  db: TrellisDatabase,
  access: RecordGate,
  entityType: string,
): Promise<ReadableType> {
  const type = (await access.entityTypes(db)).find((type) => type.name === entityType)
  if (!type) throw entityTypeNotFound(entityType)
  return { type, grant: access.require(type.name, 'read') }
}

/** The readable types with their grants; the types the caller may not read are left out. */
export async function readableTypes(
  db: TrellisDatabase,
  access: RecordGate,
  entityType: string | undefined,
): Promise<ReadableType[]> {
  if (entityType !== undefined) return [await readableType(db, access, entityType)]
  const types = await access.entityTypes(db)
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
