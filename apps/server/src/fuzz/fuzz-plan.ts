import type { FuzzIdentity, FuzzWorld } from './fuzz-world.js'
import { INPUT_CLASSES, type InputClass, serializeInput } from './hostile-values.js'
import { InputGenerator } from './input-generator.js'
import type { CatalogedProcedure } from './procedure-catalog.js'
import { SeededRandom } from './seeded-random.js'
import type { WireCall } from './trpc-wire.js'

/** A generated call and what it attacks. */
export interface PlannedCall extends WireCall {
  readonly inputClass: InputClass | 'race'
}

/** What one identity sends, in order: single calls, races, batches, then what ends its session. */
export interface FuzzPhase {
  readonly identity: FuzzIdentity
  readonly singles: PlannedCall[]
  /** Each: the same valid call several times at once (check-then-act under a race). */
  readonly races: PlannedCall[][]
  /** Each: one HTTP request of hundreds of calls (`?batch=1`). */
  readonly batches: PlannedCall[][]
  /** Sent last, one at a time: calls that may end the identity's own session. */
  readonly last: PlannedCall[]
}

export interface FuzzBudget {
  /** Valid single calls per procedure and identity, besides one call per applicable input class. */
  readonly extraValidCalls: number
  readonly raceWidth: number
  readonly mutationBatchSize: number
  readonly queryBatchSize: number
}

export const DEFAULT_BUDGET: FuzzBudget = {
  extraValidCalls: 2,
  raceWidth: 6,
  mutationBatchSize: 150,
  queryBatchSize: 250,
}

// Ending its own session early would leave an identity UNAUTHORIZED for the rest of its phase.
const SESSION_ENDING = new Set(['auth.logout', 'auth.logoutEverywhere'])
// A GET request line beyond Node's 16 KiB header limit is refused (431) before the API sees it.
const MAX_QUERY_URL = 12_000

/**
 * Every call of a run, generated up front from the seed alone: the same seed gives the
 * same inputs in the same order, whatever the server answers.
 */
export function planFuzzCalls(
  procedures: readonly CatalogedProcedure[],
  world: FuzzWorld,
  seed: number,
  budget: FuzzBudget = DEFAULT_BUDGET,
): FuzzPhase[] {
  const random = new SeededRandom(seed)
  const generator = new InputGenerator(random, world.pools)
  // Batched calls get GET-sized hostile values: hundreds of them must fit the 1 MiB body cap.
  const generate = (procedure: CatalogedProcedure, inputClass: InputClass, batched = false): PlannedCall => ({
    path: procedure.path,
    type: procedure.type,
    inputClass,
    input: generator.generate(
      procedure.input,
      inputClass,
      batched ? 'query' : procedure.type,
      procedure.path,
    ),
  })
  const small = INPUT_CLASSES.filter((c) => !['huge-string', 'huge-array', 'deep-nesting'].includes(c))

  return world.identities.map((identity) => {
    const singles: PlannedCall[] = []
    const last: PlannedCall[] = []
    for (const procedure of procedures) {
      // Every class that can attack this input, once; valid calls once more, to reach the
      // code behind validation.
      const mine = generator.classesFor(procedure.input)
      for (const inputClass of [...mine, ...Array(budget.extraValidCalls).fill('valid')]) {
        const call = generate(procedure, inputClass)
        ;(SESSION_ENDING.has(procedure.path) && identity.token ? last : singles).push(call)
      }
    }
    const mutations = procedures.filter((p) => p.type === 'mutation' && !SESSION_ENDING.has(p.path))
    const queries = procedures.filter((p) => p.type === 'query')
    const races =
      identity.name === 'admin'
        ? mutations.map((procedure) => {
            const call = generate(procedure, 'valid')
            return Array.from({ length: budget.raceWidth }, () => ({ ...call, inputClass: 'race' as const }))
          })
        : []
    const mutationBatch = Array.from({ length: budget.mutationBatchSize }, () =>
      generate(random.pick(mutations), random.pick(small), true),
    )
    const queryBatch: PlannedCall[] = []
    let urlLength = 0
    while (queryBatch.length < budget.queryBatchSize) {
      const call = generate(random.pick(queries), random.pick(['valid', 'valid', ...small]))
      const cost = call.path.length + 1 + encodeURIComponent(serializeInput(call.input ?? {})).length + 8
      if (urlLength + cost > MAX_QUERY_URL) break
      urlLength += cost
      queryBatch.push(call)
    }
    // Hundreds of the cheapest call: the batch size itself is the attack.
    const cheapest = queries.find((procedure) => !procedure.input) ?? queries[0]!
    const wideBatch = Array.from({ length: budget.queryBatchSize }, () => generate(cheapest, 'valid'))
    return {
      identity,
      singles: random.shuffle(singles),
      races,
      batches: [mutationBatch, queryBatch, wideBatch],
      last,
    }
  })
}
