import type { FuzzResult } from './fuzz-runner.js'
import { serializeInput } from './hostile-values.js'
import { isServerFault } from './trpc-wire.js'

/** One distinct problem: same procedure, input class and answer, however many calls hit it. */
export interface FuzzFault {
  /** `procedure [input class] answer`, the line the lead checks off after a fix. */
  readonly key: string
  readonly count: number
  readonly identities: string[]
  /** The first call that showed it, ready to replay. */
  readonly example: string
}

const MAX_PREVIEW = 300

/** A call's input as wire text, with long runs and nesting folded so a failure stays readable. */
export function previewInput(input: unknown): string {
  if (input === undefined) return '(no input)'
  const text = serializeInput(input)
    .replace(/(.)\1{15,}/gsu, (run, char: string) => `${char.repeat(3)}…(${run.length}×)`)
    .replace(/(\{"a":){5,}/g, (run) => `{"a":…(${run.length / 5} deep)`)
  return text.length > MAX_PREVIEW ? `${text.slice(0, MAX_PREVIEW)}…(${text.length} chars)` : text
}

function describeAnswer(result: FuzzResult): string {
  const { answer } = result
  return answer.transportError ?? `${answer.code ?? '?'} ${answer.httpStatus ?? answer.status}`
}

function exampleOf(result: FuzzResult, why: string): string {
  const { call } = result
  const how = call.type === 'query' ? 'GET ?input=' : 'POST'
  const via = result.via === 'single' ? '' : ` (in a ${result.via} of ${result.batchSize})`
  return `as ${result.identity}${via}: ${how} /trpc/${call.path} ${previewInput(call.input)}\n      → ${why}`
}

/** Groups problem calls by procedure + input class + answer. */
export function groupFaults(
  items: readonly { result: FuzzResult; kind: string; why: string }[],
): FuzzFault[] {
  const byKey = new Map<string, { count: number; identities: Set<string>; example: string }>()
  for (const { result, kind, why } of items) {
    const key = `${kind}${result.call.path} [${result.call.inputClass}] ${describeAnswer(result)}`
    const group = byKey.get(key) ?? { count: 0, identities: new Set(), example: exampleOf(result, why) }
    group.count++
    group.identities.add(result.identity)
    byKey.set(key, group)
  }
  return [...byKey.entries()]
    .map(([key, group]) => ({
      key,
      count: group.count,
      identities: [...group.identities],
      example: group.example,
    }))
    .sort((a, b) => a.key.localeCompare(b.key))
}

/** Calls the server answered with a 5xx or INTERNAL_SERVER_ERROR (or not at all). */
export function serverFaults(results: readonly FuzzResult[]): FuzzFault[] {
  return groupFaults(
    results
      .filter((result) => isServerFault(result.answer))
      .map((result) => ({
        result,
        kind: '',
        why: result.answer.message?.slice(0, 160) ?? describeAnswer(result),
      })),
  )
}

/**
 * Refused mutations with no audit event of their request: `audited` counts the
 * denied/failed events per request id. A batch refused as a whole ran no procedure.
 */
export function unauditedRefusals(
  results: readonly FuzzResult[],
  audited: ReadonlyMap<string, number>,
): FuzzFault[] {
  const refusedByRequest = new Map<string, FuzzResult[]>()
  for (const result of results) {
    const { answer } = result
    if (result.call.type !== 'mutation' || answer.ok || answer.transportError || result.wholeBatch) continue
    refusedByRequest.set(result.requestId, [...(refusedByRequest.get(result.requestId) ?? []), result])
  }
  const missing: { result: FuzzResult; kind: string; why: string }[] = []
  for (const [requestId, refused] of refusedByRequest) {
    const found = audited.get(requestId) ?? 0
    if (found >= refused.length) continue
    const why = `${refused.length} refused, ${found} audit event(s) with request id ${requestId}`
    // In a batch that audited some of its calls, the events cannot be told apart: blame
    // the calls that failed on the server's side, else the first.
    const faulted = refused.filter((result) => isServerFault(result.answer))
    const blamed = found === 0 ? refused : faulted.length > 0 ? faulted : refused.slice(0, 1)
    for (const result of blamed) missing.push({ result, kind: 'not audited: ', why })
  }
  return groupFaults(missing)
}

/** The report printed when a run fails: distinct faults, capped, each with one replayable example. */
export function formatFaults(title: string, faults: readonly FuzzFault[], cap = 40): string {
  const lines = [`${title}: ${faults.length} distinct`]
  for (const fault of faults.slice(0, cap)) {
    lines.push(`  ${fault.key}  ×${fault.count} (${fault.identities.join(', ')})`, `    ${fault.example}`)
  }
  if (faults.length > cap) lines.push(`  … and ${faults.length - cap} more`)
  return lines.join('\n')
}
