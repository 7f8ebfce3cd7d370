// What records-list-http.ts and its server process (records-list-server.ts) say to each other.

/** The signed-in caller of the bench, made by the server process. */
export const READER = { email: 'reader@bench.local', password: 'bench reader password' }

/** What the server process tells the bench. */
export type ServerMessage =
  | { readonly type: 'ready'; readonly trpcUrl: string; readonly dialect: string }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'stats'; readonly statements: number; readonly cpuMicros: number }
  | { readonly type: 'armed' }
  | { readonly type: 'sql-timings'; readonly sql: string; readonly latenciesMs: number[] }

/** What the bench asks of it. */
export type BenchMessage =
  | { readonly type: 'stats' }
  | { readonly type: 'capture' }
  | { readonly type: 'time-sql'; readonly connections: number; readonly seconds: number }
  | { readonly type: 'stop' }
