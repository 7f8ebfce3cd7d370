import type {
  EntityTypeDefinition,
  JsonSchema,
  PartiesDefinition,
  StateMachineDefinition,
} from '@trellis/core'
import type { Selectable } from 'kysely'
import { type RowLock, withRowLock } from '../row-lock.js'
import type { EntityTypesTable, TrellisDatabase } from '../schema/database.js'

// Entity types as stored: every query of `entity_types` lives here, and so does the
// mapping between a definition and its JSON columns.

/** An entity type as stored, with its JSON columns typed. */
export interface StoredEntityType {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly schema: JsonSchema
  readonly stateMachine: StateMachineDefinition | null
  readonly references: { readonly [field: string]: string } | null
  readonly parties: PartiesDefinition | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

const ENTITY_TYPE_COLUMNS = [
  'entity_types.id',
  'entity_types.name',
  'entity_types.description',
  'entity_types.schema',
  'entity_types.state_machine',
  'entity_types.data_references',
  'entity_types.parties',
  'entity_types.created_at',
  'entity_types.updated_at',
] as const

/** A stored row as the definition it holds. */
export function toStoredEntityType(row: Selectable<EntityTypesTable>): StoredEntityType {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    schema: row.schema as JsonSchema,
    stateMachine: (row.state_machine ?? null) as StateMachineDefinition | null,
    references: (row.data_references ?? null) as StoredEntityType['references'],
    parties: (row.parties ?? null) as PartiesDefinition | null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The query every read of entity types starts from; map its rows with `toStoredEntityType`. */
export function selectEntityTypes(db: TrellisDatabase) {
  return db.selectFrom('entity_types').select(ENTITY_TYPE_COLUMNS)
}

/** A definition as the columns it is stored in (JSON as text, absent parts as null). */
function entityTypeColumns(definition: EntityTypeDefinition) {
  return {
    description: definition.description ?? '',
    schema: JSON.stringify(definition.schema),
    state_machine: definition.stateMachine ? JSON.stringify(definition.stateMachine) : null,
    data_references: definition.references ? JSON.stringify(definition.references) : null,
    parties: definition.parties ? JSON.stringify(definition.parties) : null,
  }
}

/** Every entity type, by name. */
export async function loadEntityTypes(db: TrellisDatabase): Promise<StoredEntityType[]> {
  const rows = await selectEntityTypes(db).orderBy('name').execute()
  return rows.map(toStoredEntityType)
}

/** One entity type by name, locked as `lock` says. */
export async function findEntityType(
  db: TrellisDatabase,
  name: string,
  lock: RowLock = {},
): Promise<StoredEntityType | undefined> {
  const query = selectEntityTypes(db).where('name', '=', name)
  const row = await withRowLock(query, lock).executeTakeFirst()
  return row ? toStoredEntityType(row) : undefined
}

/** The entity type of a record, read before any decision about it: the decision depends on it. */
export async function findEntityTypeOfRecord(
  db: TrellisDatabase,
  recordId: string,
): Promise<StoredEntityType | undefined> {
  const row = await db
    .selectFrom('records')
    .innerJoin('entity_types', 'entity_types.id', 'records.entity_type_id')
    .select(ENTITY_TYPE_COLUMNS)
    .where('records.id', '=', recordId)
    .executeTakeFirst()
  return row ? toStoredEntityType(row) : undefined
}

/** Which of `names` are entity types. */
export async function existingEntityTypeNames(
  db: TrellisDatabase,
  names: readonly string[],
): Promise<Set<string>> {
  if (names.length === 0) return new Set()
  const rows = await db
    .selectFrom('entity_types')
    .select('name')
    .where('name', 'in', [...names])
    .execute()
  return new Set(rows.map((row) => row.name))
}

/**
 * Stores a new entity type; false when the name is taken. One statement decides between
 * two racing inserts of one name.
 */
export async function insertEntityType(
  db: TrellisDatabase,
  name: string,
  definition: EntityTypeDefinition,
): Promise<boolean> {
  const inserted = await db
    .insertInto('entity_types')
    .values({ name, ...entityTypeColumns(definition) })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .returning('id')
    .executeTakeFirst()
  return inserted !== undefined
}

/** Replaces a stored type's definition (its name stays). */
export async function updateEntityType(
  db: TrellisDatabase,
  id: string,
  definition: EntityTypeDefinition,
): Promise<void> {
  await db
    .updateTable('entity_types')
    .set({ ...entityTypeColumns(definition), updated_at: new Date() })
    .where('id', '=', id)
    .execute()
}

/** Deletes an entity type. Its records, grants and scoped bindings must be gone first. */
export async function deleteEntityType(db: TrellisDatabase, id: string): Promise<void> {
  await db.deleteFrom('entity_types').where('id', '=', id).execute()
}
