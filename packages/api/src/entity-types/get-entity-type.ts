import { findEntityType, type RowLock, type StoredEntityType, type TrellisDatabase } from '@trellis/db'
import { entityTypeNotFound } from './entity-type-errors.js'

/** One entity type by name, locked as `lock` says, or NOT_FOUND. */
export async function getEntityType(
  db: TrellisDatabase,
  name: string,
  lock: RowLock = {},
): Promise<StoredEntityType> {
  const found = await findEntityType(db, name, lock)
  if (!found) throw entityTypeNotFound(name)
  return found
}
