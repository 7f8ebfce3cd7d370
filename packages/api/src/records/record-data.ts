import type { StoredEntityType, TrellisDatabase } from '@trellis/db'
import { recordsWithin } from '../access/record-access.js'
import { recordDataIssues } from '../entity-types/record-schema.js'
import type { InputIssue } from '../trpc/error-formatter.js'
import type { RecordGate } from '../trpc/record-gate.js'
import { invalidRecordData } from './record-errors.js'

/** A field's value if `data` has it; never one inherited from Object.prototype (`constructor`). */
const fieldOf = (data: Record<string, unknown>, field: string) =>
  Object.hasOwn(data, field) ? data[field] : undefined

/** Who a reference must be readable by: the writer's grants (`RecordGate`), or trusted code's. */
export type ReferenceReader = Pick<RecordGate, 'grantFor' | 'entityTypes'>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Where `data` names a record its type's `references` do not allow: one that does not
 * exist, is of another type, or that the writer cannot read (all alike, so nothing leaks).
 * A reference the write leaves as it was is not checked again.
 */
async function referenceIssues(
  db: TrellisDatabase,
  access: ReferenceReader,
  type: StoredEntityType,
  data: Record<string, unknown>,
  previous: Record<string, unknown>,
): Promise<InputIssue[]> {
  const issues: InputIssue[] = []
  for (const [field, target] of Object.entries(type.references ?? {})) {
    const value = fieldOf(data, field)
    if (value === undefined || value === null || value === fieldOf(previous, field)) continue
    const grant = access.grantFor(target, 'read')
    const targetType = (await access.entityTypes(db)).find((candidate) => candidate.name === target)
    const found =
      typeof value === 'string' &&
      UUID.test(value) &&
      grant !== undefined &&
      targetType !== undefined &&
      (await db
        .selectFrom('records')
        .innerJoin('entity_types', 'entity_types.id', 'records.entity_type_id')
        .select('records.id')
        .where('records.id', '=', value)
        .where('entity_types.name', '=', target)
        .where(recordsWithin(grant, targetType))
        .executeTakeFirst()) !== undefined
    if (!found) {
      issues.push({
        code: 'reference',
        path: ['data', field],
        message: `must be the id of a ${target} record you can read`,
      })
    }
  }
  return issues
}

/**
 * Every failing path of `data`: where it does not fit the entity type's schema or, when
 * it does, where a reference it sets names no record the writer can read. `previous` is
 * the data being replaced (empty for a new record).
 */
export async function recordDataProblems(
  db: TrellisDatabase,
  access: ReferenceReader,
  type: StoredEntityType,
  data: Record<string, unknown>,
  previous: Record<string, unknown> = {},
): Promise<InputIssue[]> {
  const issues = recordDataIssues(type.schema, data)
  if (issues.length > 0) return issues
  return referenceIssues(db, access, type, data, previous)
}

/** Throws BAD_REQUEST with every failing path unless `data` is fit to store (`recordDataProblems`). */
export async function assertRecordData(
  db: TrellisDatabase,
  access: ReferenceReader,
  type: StoredEntityType,
  data: Record<string, unknown>,
  previous: Record<string, unknown> = {},
): Promise<void> {
  const issues = await recordDataProblems(db, access, type, data, previous)
  if (issues.length > 0) throw invalidRecordData(issues)
}
