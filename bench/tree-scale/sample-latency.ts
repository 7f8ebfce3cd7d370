// Latency sampling for the scale benchmark: the two sides of a comparison run alternately,
// so a drift in the machine (cache, checkpoints) hits both alike.

export interface LatencySummary {
  readonly p50: number
  readonly p99: number
  readonly iterations: number
}

export type Timed = () => Promise<unknown>

/** Nearest-rank percentile of sorted milliseconds. */
function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!
}

function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), iterations: sorted.length }
}

/** Runs each function `warmup` times untimed, then `iterations` times timed, interleaved. */
export async function sampleLatencies(
  runs: Readonly<Record<string, Timed>>,
  warmup: number,
  iterations: number,
): Promise<Record<string, LatencySummary>> {
  const names = Object.keys(runs)
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]]))
  for (let i = 0; i < warmup + iterations; i++) {
    // Rotate who goes first, so neither side always runs right after the other.
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!
      const started = performance.now()
      await runs[name]!()
      if (i >= warmup) samples[name]!.push(performance.now() - started)
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples[name]!)]))
}
