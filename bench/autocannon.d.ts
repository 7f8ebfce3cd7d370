// autocannon ships no types; this declares only the part of its API the bench uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  /** One request of a sequence each connection sends in turn. */
  export interface Request {
    readonly method?: 'GET' | 'POST'
    /** Replaces the url's path and query. */
    readonly path?: string
  }

  export interface Options {
    /** Several urls: connection i goes to url[i % urls.length]. */
    readonly url: string | readonly string[]
    readonly headers?: Record<string, string>
    /** Each connection sends these in turn, over and over. */
    readonly requests?: readonly Request[]
    /** Concurrent connections, each sending its next request once the previous one answered. */
    readonly connections?: number
    /** Seconds to run. */
    readonly duration?: number
    /** Responses whose body differs are counted in `mismatches`. */
    readonly expectBody?: string
  }

  /** A histogram summary (hdr-histogram-percentiles-obj). */
  export interface Histogram {
    readonly average: number
    readonly stddev: number
    readonly min: number
    readonly max: number
    readonly total: number
    readonly p50: number
    readonly p99: number
  }

  export interface Result {
    readonly url: string
    /** Requests completed per one-second sample. */
    readonly requests: Histogram & { readonly sent: number }
    /** Milliseconds, recorded at 1 ms resolution. */
    readonly latency: Histogram
    /** Seconds the run took. */
    readonly duration: number
    readonly errors: number
    readonly timeouts: number
    readonly mismatches: number
    readonly non2xx: number
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
    ): this
    stop(): void
  }

  export default function autocannon(options: Options): Instance
}
