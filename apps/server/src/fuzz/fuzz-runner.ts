import type { FuzzPhase, PlannedCall } from './fuzz-plan.js'
import { sendWire, type WireAnswer } from './trpc-wire.js'

/** One call of the run and how the server answered it. */
export interface FuzzResult {
  readonly identity: string
  readonly call: PlannedCall
  readonly answer: WireAnswer
  /** The `x-request-id` it was sent with (shared by the calls of one batch). */
  readonly requestId: string
  /** How it was sent: alone, in a race, or in a batch of `batchSize` calls. */
  readonly via: 'single' | 'race' | 'batch'
  readonly batchSize: number
  /** For a batch the server refused as a whole: that one answer. */
  readonly wholeBatch?: WireAnswer
  readonly ms: number
}

/**
 * Sends every phase in order (so one identity's calls cannot end another's session
 * mid-phase), `concurrency` single calls at a time: on PostgreSQL they really overlap.
 */
export async function runFuzzPhases(
  trpcUrl: string,
  phases: readonly FuzzPhase[],
  seed: number,
  concurrency = 8,
): Promise<FuzzResult[]> {
  const results: FuzzResult[] = []
  let sequence = 0
  // A server that stopped answering (a deadlock) would make the rest of the run wait out
  // every timeout: after a few hangs, stop sending; the hangs are reported as faults.
  let hangs = 0
  const stalled = () => hangs >= 3
  const send = async (
    token: string | undefined,
    identity: string,
    calls: PlannedCall[],
    via: FuzzResult['via'],
  ) => {
    const requestId = `fuzz-${seed}-${sequence++}`
    const batch = via === 'batch'
    const started = performance.now()
    const { answers, whole } = await sendWire({ trpcUrl, token, requestId }, calls, batch)
    const ms = (performance.now() - started) / calls.length
    if (answers[0]?.transportError?.endsWith('timed out')) hangs++
    for (const [index, call] of calls.entries()) {
      results.push({
        identity,
        call,
        answer: answers[index] ?? { status: 0, ok: false, transportError: 'missing from the batch reply' },
        requestId,
        via,
        batchSize: calls.length,
        wholeBatch: whole,
        ms,
      })
    }
    return answers
  }

  for (const { identity, singles, races, batches, last } of phases) {
    const queue = [...singles]
    const worker = async () => {
      for (let call = queue.shift(); call && !stalled(); call = queue.shift()) {
        await send(identity.token, identity.name, [call], 'single')
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    for (const race of races) {
      if (stalled()) break
      await Promise.all(race.map((call) => send(identity.token, identity.name, [call], 'race')))
    }
    for (const batch of batches) if (!stalled()) await send(identity.token, identity.name, batch, 'batch')
    for (const call of last) {
      if (stalled()) break
      await send(identity.token, identity.name, [call], 'single')
    }
  }
  return results
}
