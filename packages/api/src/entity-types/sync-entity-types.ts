import type { EntityTypesConfig } from '@trellis/core'
import { insertEntityType, type TrellisDatabase } from '@trellis/db'

/**
 * Stores the configured entity types the database does not have yet. Existing ones are
 * left alone: once stored, a type is edited at run time (`entityTypes.update`), like roles.
 * Returns the names it created.
 */
export async function syncEntityTypes(
  db: TrellisDatabase,
  entityTypes: EntityTypesConfig,
): Promise<string[]> {
  const created: string[] = []
  for (const [name, type] of Object.entries(entityTypes)) {
    if (await insertEntityType(db, name, type)) created.push(name)
  }
  return created
}
