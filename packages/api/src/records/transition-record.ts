import { findEntityTypeOfRecord, type TrellisDatabase } from '@trellis/db'
import type { z } from 'zod'
import type { RecordAccess } from '../access/record-access.js'
import { TrellisError } from '../errors/trellis-error.js'
import type { AuditNote } from '../trpc/init.js'
import { findRecordOfType, recordNotFound } from './find-record.js'
import { assertRecordData, invalidRecordData } from './record-data.js'
import type { TransitionRecordInput } from './record-inputs.js'
import { RECORD_COLUMNS, type RecordView, toRecordView } from './record-view.js'

/** One transition, on a row locked until the caller's transaction ends (see `records.transition`). */
export async function transitionRecord(
  trx: TrellisDatabase,
  access: RecordAccess,
  input: z.output<typeof TransitionRecordInput>,
  audit: AuditNote,
): Promise<RecordView> {
  const entityType = await findEntityTypeOfRecord(trx, input.id)
  if (!entityType) throw recordNotFound()
  const transitions = entityType.stateMachine?.transitions
  // An own key only: `constructor` is no more a transition than any other unknown name.
  const transition =
    transitions && Object.hasOwn(transitions, input.name) ? transitions[input.name] : undefined
  if (!transition) {
    // Said only to a caller that can read the record; to anyone else it does not exist.
    await findRecordOfType(trx, access, input.id, entityType, 'read')
    throw new TrellisError({
      code: 'BAD_REQUEST',
      reason: 'UNKNOWN_TRANSITION',
      message: `Entity type ${entityType.name} has no transition ${input.name}`,
    })
  }
  const { record } = await findRecordOfType(trx, access, input.id, entityType, input.name, {
    lock: true,
    audit,
  })
  if (record.status === null || !transition.from.includes(record.status)) {
    throw new TrellisError({
      code: 'CONFLICT',
      reason: 'INVALID_STATE',
      message: `Cannot ${input.name} a ${entityType.name} record in state ${record.status ?? 'none'}`,
    })
  }
  const previous = record.data as Record<string, unknown>
  let data = previous
  if (input.data) {
    const allowed = new Set(transition.fields ?? [])
    const extra = Object.keys(input.data).filter((field) => !allowed.has(field))
    if (extra.length > 0) {
      throw invalidRecordData(
        extra.map((field) => ({
          code: 'not_allowed',
          path: ['data', field],
          message: `${input.name} may not write this field`,
        })),
      )
    }
    data = { ...data, ...input.data }
    await assertRecordData(trx, access, entityType, data, previous)
  }
  const row = await trx
    .updateTable('records')
    .set({ status: transition.to, data: JSON.stringify(data), updated_at: new Date() })
    .where('id', '=', input.id)
    .returning(RECORD_COLUMNS)
    .executeTakeFirstOrThrow()
  return toRecordView(row, entityType.name)
}
