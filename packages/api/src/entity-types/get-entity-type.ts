import { findEntityType, type RowLock, type StoredEntityType, type TrellisDatabase } from '@trellis/db'
import { TrellisError } from '../errors/trellis-error.js'

/** One entity type by name, locked as `lock` says, or NOT_FOUND. */
export async function getEntityType(
  db: TrellisDatabase,
  name: string,
  lock: RowLock = {},
): Promise<StoredEntityType> {
  const found = await findEntityType(db, name, lock)
  if (!found)
    throw new TrellisError({
      code: 'NOT_FOUND',
      reason: 'NOT_FOUND',
      message: `Entity type not found: ${name}`,
    })
  return found
}
