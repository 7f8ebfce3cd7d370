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

// The seam to records with parties (issue 14): until an entity type declares parties, a
// record involves no one besides its owner.
async function partiesOf(_trx: TrellisDatabase, _record: TransitioningRecord): Promise<RecordParty[]> {
  return []
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
      parties: () => partiesOf(trx, record),
      records,
      refuse: (message) => {
        throw transitionRefused(message)
      },
    })
  }
}
