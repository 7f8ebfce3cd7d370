import { existingEntityTypeNames, type TrellisDatabase } from '@trellis/db'
import { invalidEntityType } from './entity-type-errors.js'

/** BAD_REQUEST unless every type `references` names exists (or is the type itself). */
export async function assertReferencedTypesExist(
  db: TrellisDatabase,
  name: string,
  references: { readonly [field: string]: string } | null | undefined,
): Promise<void> {
  const targets = [...new Set(Object.values(references ?? {}))].filter((target) => target !== name)
  const known = await existingEntityTypeNames(db, targets)
  const missing = targets.filter((target) => !known.has(target))
  if (missing.length > 0)
    throw invalidEntityType(name, [`references unknown entity types ${missing.join(', ')}`])
}
