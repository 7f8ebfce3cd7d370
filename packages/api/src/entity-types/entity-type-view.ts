import {
  entityTypePermissions,
  type JsonSchema,
  type PartiesDefinition,
  type StateMachineDefinition,
} from '@trellis/core'
import type { StoredEntityType } from '@trellis/db'

/** An entity type as clients see it, with the permissions it declares. */
export interface EntityTypeView {
  readonly name: string
  readonly description: string
  readonly schema: JsonSchema
  readonly stateMachine: StateMachineDefinition | null
  /** Data fields that hold another record's id, by the type that record must be. */
  readonly references: { readonly [field: string]: string } | null
  /** Users the records involve besides their owner, by party name. */
  readonly parties: PartiesDefinition | null
  /** `<name>.read`, `<name>.create`, ... and one per transition: grant these to roles. */
  readonly permissions: string[]
  readonly createdAt: string
  readonly updatedAt: string
}

export function toEntityTypeView(type: StoredEntityType): EntityTypeView {
  return {
    name: type.name,
    description: type.description,
    schema: type.schema,
    stateMachine: type.stateMachine,
    references: type.references,
    parties: type.parties,
    permissions: entityTypePermissions(type.name, type).map((permission) => permission.name),
    createdAt: type.createdAt.toISOString(),
    updatedAt: type.updatedAt.toISOString(),
  }
}
