import autocannon from 'autocannon'

export interface LoadSettings {
  readonly connections: number
  readonly durationSeconds: number
  /** Sent with every request (a caller's `authorization`). */
  readonly headers?: Record<string, string>
}

export interface LoadResult {
  /** Requests answered (all with the expected body). */
  readonly requests: number
  /** The run's wall-clock time. */
  readonly durationSeconds: number
  /** Every 200 response's time, in milliseconds, in arrival order. */
  readonly latenciesMs: readonly number[]
}

export interface LoadSummary {
  readonly requests: number
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
}

/**
 * Sends `GET url` over `connections` keep-alive connections for a fixed time, each sending
 * its next request as soon as the previous one answered. Throws if any response failed or
 * differed from `expectedBody`, so a result always counts the intended work.
 *
 * @example
 * const result = await runLoad(url, body, { connections: 10, durationSeconds: 10 })
 * summarizeLoad([result]).requestsPerSecond
 */
export async function runLoad(
  url: string,
  expectedBody: string,
  settings: LoadSettings,
): Promise<LoadResult> {
  const instance = autocannon({
    url,
    connections: settings.connections,
    duration: settings.durationSeconds,
    expectBody: expectedBody,
    ...(settings.headers ? { headers: settings.headers } : {}),
  })
  // autocannon's latency histogram has 1 ms resolution, too coarse on loopback: keep exact times.
  const latenciesMs: number[] = []
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode === 200) latenciesMs.push(responseTimeMs)
  })
  const result = await instance

  const failures = { errors: result.errors, non2xx: result.non2xx, mismatches: result.mismatches }
  if (Object.values(failures).some((count) => count > 0) || latenciesMs.length === 0) {
    throw new Error(`Load run on ${url} had failed responses: ${JSON.stringify(failures)}`)
  }
  // Not autocannon's mean of one-second samples: its stop timer can land a sample late,
  // so the wall-clock time is the honest divisor.
  return { requests: result.requests.total, durationSeconds: result.duration, latenciesMs }
}

/** Throughput and latency percentiles over one or more runs against the same target. */
export function summarizeLoad(results: readonly LoadResult[]): LoadSummary {
  const requests = results.reduce((sum, result) => sum + result.requests, 0)
  const seconds = results.reduce((sum, result) => sum + result.durationSeconds, 0)
  const sorted = results.flatMap((result) => result.latenciesMs).sort((a, b) => a - b)
  return {
    requests,
    requestsPerSecond: requests / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  }
}

/** Nearest-rank percentile of ascending `sorted` values. */
function percentile(sorted: readonly number[], fraction: number): number {
  const rank = Math.max(1, Math.ceil(fraction * sorted.length))
  return sorted[rank - 1] ?? Number.NaN
}
