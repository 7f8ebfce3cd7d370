import { findEntityTypeOfRecord, type TrellisDatabase } from '@trellis/db'
import type { z } from 'zod'
import type { EffectAuditFacts } from '../effects/effect-records.js'
import { effectsFor, runTransitionEffects } from '../effects/run-transition-effects.js'
import type { TransitionEffects } from '../effects/transition-effects.js'
import type { RecordGate } from '../trpc/record-gate.js'
import { findRecordOfType } from './find-record.js'
import { assertRecordData } from './record-data.js'
import { invalidRecordData, invalidState, recordNotFound, unknownTransition } from './record-errors.js'
import type { TransitionRecordInput } from './record-inputs.js'
import { partiesOf, syncDerivedParties } from './record-parties.js'
import { RECORD_COLUMNS, type RecordView, toRecordView } from './record-view.js'

/** The effects registered with the API, and the call their writes are audited under. */
export interface TransitionEffectsRun {
  readonly registrations: readonly TransitionEffects[]
  readonly call: Omit<EffectAuditFacts, 'permission'>
}

/**
 * One transition, on a row locked until the caller's transaction ends (see
 * `records.transition`), with the effects registered for it run in that transaction.
 */
export async function transitionRecord(
  trx: TrellisDatabase,
  access: RecordGate,
  input: z.output<typeof TransitionRecordInput>,
  run: TransitionEffectsRun,
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
    throw unknownTransition(entityType.name, input.name)
  }
  const { record } = await findRecordOfType(trx, access, input.id, entityType, input.name, { lock: true })
  if (record.status === null || !transition.from.includes(record.status)) {
    throw invalidState(entityType.name, input.name, record.status)
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
  await syncDerivedParties(trx, entityType, row.id, data, previous)
  const moved = toRecordView(row, entityType.name, await partiesOf(trx, row.id, entityType))
  const effects = effectsFor(run.registrations, entityType.name, input.name)
  if (effects.length === 0) return moved
  const permission = `${entityType.name}.${input.name}`
  await runTransitionEffects(
    trx,
    effects,
    { ...moved, previousStatus: record.status, previousData: previous },
    input.name,
    { ...run.call, permission },
  )
  // An effect may have written the record itself: answer what is stored.
  const stored = await trx
    .selectFrom('records')
    .select(RECORD_COLUMNS)
    .where('id', '=', input.id)
    .executeTakeFirstOrThrow()
  return toRecordView(stored, entityType.name, moved.parties)
}
