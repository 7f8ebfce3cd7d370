import type { EntityTypeDefinition, JsonSchema, StateMachineDefinition } from '@trellis/core'
import type { TrellisDatabase } from '@trellis/db'
import type { TRPCError } from '@trpc/server'
import { TrellisError } from '../errors/trellis-error.js'

/** An entity type as stored, with its JSON columns typed. */
export interface StoredEntityType {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly schema: JsonSchema
  readonly stateMachine: StateMachineDefinition | null
  readonly references: { readonly [field: string]: string } | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** The columns a StoredEntityType is read from. */
export const ENTITY_TYPE_COLUMNS = [
  'entity_types.id',
  'entity_types.name',
  'entity_types.description',
  'entity_types.schema',
  'entity_types.state_machine',
  'entity_types.data_references',
  'entity_types.created_at',
  'entity_types.updated_at',
] as const

export type EntityTypeRow = {
  id: string
  name: string
  description: string
  schema: unknown
  state_machine: unknown
  data_references: unknown
  created_at: Date
  updated_at: Date
}

export function toStoredEntityType(row: EntityTypeRow): StoredEntityType {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    schema: row.schema as JsonSchema,
    stateMachine: (row.state_machine ?? null) as StateMachineDefinition | null,
    references: (row.data_references ?? null) as StoredEntityType['references'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** A definition as the columns it is stored in (JSON as text, absent parts as null). */
export function entityTypeColumns(definition: EntityTypeDefinition) {
  return {
    description: definition.description ?? '',
    schema: JSON.stringify(definition.schema),
    state_machine: definition.stateMachine ? JSON.stringify(definition.stateMachine) : null,
    data_references: definition.references ? JSON.stringify(definition.references) : null,
  }
}

export function entityTypeNotFound(name: string): TRPCError {
  return new TrellisError({
    code: 'NOT_FOUND',
    reason: 'NOT_FOUND',
    message: `Entity type not found: ${name}`,
  })
}

/** Every entity type, by name. */
export async function loadEntityTypes(db: TrellisDatabase): Promise<StoredEntityType[]> {
  const rows = await db.selectFrom('entity_types').select(ENTITY_TYPE_COLUMNS).orderBy('name').execute()
  return rows.map(toStoredEntityType)
}

/**
 * How to lock the type's row until the transaction ends: `forUpdate` to change or delete
 * it, `forShare` to rely on it (create a record of it, grant its permission, bind a role
 * scoped to it) while no one changes it.
 */
export interface EntityTypeLock {
  readonly forUpdate?: boolean
  readonly forShare?: boolean
}

/** One entity type by name, locked as `options` says. */
export async function findEntityType(
  db: TrellisDatabase,
  name: string,
  options: EntityTypeLock = {},
): Promise<StoredEntityType | undefined> {
  let query = db.selectFrom('entity_types').select(ENTITY_TYPE_COLUMNS).where('name', '=', name)
  if (options.forUpdate) query = query.forUpdate()
  else if (options.forShare) query = query.forShare()
  const row = await query.executeTakeFirst()
  return row ? toStoredEntityType(row) : undefined
}

/** One entity type by name, or NOT_FOUND. */
export async function getEntityType(
  db: TrellisDatabase,
  name: string,
  options: EntityTypeLock = {},
): Promise<StoredEntityType> {
  const found = await findEntityType(db, name, options)
  if (!found) throw entityTypeNotFound(name)
  return found
}
