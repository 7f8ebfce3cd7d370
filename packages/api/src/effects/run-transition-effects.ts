import type { TrellisDatabase } from '@trellis/db'
import { transitionRefused } from './effect-errors.js'
import { type EffectAuditFacts, effectRecords } from './effect-records.js'
import type {
  RecordParty,
  TransitionEffect,
  TransitionEffects,
  TransitioningRecord,
} from './transition-effects.js'

/** The effects registered for one transition, in the order of their registrations. */
export function effectsFor(
  registrations: readonly TransitionEffects[],
  entityType: string,
  transition: string,
): TransitionEffect[] {
  return registrations.flatMap((registration) => registration.effectFor(entityType, transition) ?? [])
}

/** The record's parties, one entry per user and party name, from the record as it moved. */
function partiesOf(record: TransitioningRecord): RecordParty[] {
  return Object.entries(record.parties).flatMap(([name, userIds]) =>
    userIds.map((userId) => ({ name, userId })),
  )
}

/**
 * Runs `effects` one after the other in `trx`, the transaction that moved `record`: what
 * they write commits with the status change and its audit event, or nothing does.
 */
export async function runTransitionEffects(
  trx: TrellisDatabase,
  effects: readonly TransitionEffect[],
  record: TransitioningRecord,
  transition: string,
  facts: EffectAuditFacts,
): Promise<void> {
  const records = effectRecords(trx, facts)
  for (const effect of effects) {
    await effect({
      record,
      transition,
      actor: facts.actorId === null ? null : { id: facts.actorId },
      parties: async () => partiesOf(record),
      records,
      refuse: (message) => {
        throw transitionRefused(message)
      },
    })
  }
}
