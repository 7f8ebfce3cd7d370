import type { EntityTypesConfig } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'
import { entityTypeColumns } from './entity-type-store.js'

/**
 * Stores the configured entity types the database does not have yet. Existing ones are
 * left alone: once stored, a type is edited at run time (`entityTypes.update`), like roles.
 * Returns the names it created.
 */
export async function syncEntityTypes(
  db: TrellisDatabase,
  entityTypes: EntityTypesConfig,
): Promise<string[]> {
  const existing = new Set(
    (await db.selectFrom('entity_types').select('name').execute()).map((row) => row.name),
  )
  const missing = Object.entries(entityTypes).filter(([name]) => !existing.has(name))
  if (missing.length === 0) return []
  await db
    .insertInto('entity_types')
    .values(missing.map(([name, type]) => ({ name, ...entityTypeColumns(type) })))
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute()
  return missing.map(([name]) => name)
}
