import { type EntityTypeDefinition, findEntityTypeProblems } from '@trellis/core'
import { PERMISSIONS } from '../permissions.js'
import { invalidEntityType } from './entity-type-errors.js'
import { compileRecordSchema, InvalidSchemaError } from './record-schema.js'

/** Resources the API's own permissions use: an entity type named like one would shadow them. */
export const RESERVED_ENTITY_TYPE_NAMES: ReadonlySet<string> = new Set(
  Object.keys(PERMISSIONS).map((permission) => permission.split('.')[0]!),
)

/** Everything wrong with an entity type: its name, its state machine, its JSON Schema. */
export function entityTypeDefinitionProblems(name: string, definition: EntityTypeDefinition): string[] {
  const problems = findEntityTypeProblems(name, definition, RESERVED_ENTITY_TYPE_NAMES)
  try {
    compileRecordSchema(definition.schema)
  } catch (error) {
    if (!(error instanceof InvalidSchemaError)) throw error
    problems.push(`schema: ${error.message}`)
  }
  return problems
}

/** Throws BAD_REQUEST naming every problem of an entity type definition. */
export function assertValidEntityType(name: string, definition: EntityTypeDefinition): void {
  const problems = entityTypeDefinitionProblems(name, definition)
  if (problems.length > 0) throw invalidEntityType(name, problems)
}
