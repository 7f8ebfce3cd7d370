import { sql } from 'kysely'
import { z } from 'zod'
import { text } from '../inputs/text.js'
import { booleanProcedure, router } from '../trpc/init.js'
import { TRELLIS_VERSION } from '../version.js'

/** The database engine a server runs on, as `system.info` reports it. */
export type DatabaseEngine = 'postgres' | 'pglite'

export const systemRouter = router({
  /** What is running: version, database engine and schema version. */
  info: booleanProcedure('system.info').query(async ({ ctx }) => {
    const latest = await sql<{ name: string }>`
      select name from kysely_migration order by name desc limit 1
    `.execute(ctx.db)
    return {
      name: 'trellis' as const,
      version: TRELLIS_VERSION,
      database: ctx.dialect as DatabaseEngine,
      schemaVersion: latest.rows[0]?.name ?? null,
    }
  }),

  /** How the server process is doing (Orb's GET_SERVER_METRICS): uptime and memory, no data. */
  metrics: booleanProcedure('system.metrics').query(() => ({
    uptimeSeconds: Math.round(process.uptime()),
    memoryRssBytes: process.memoryUsage.rss(),
  })),

  /** A round trip that proves a client reaches the API; echoes its text back. */
  ping: booleanProcedure('system.ping')
    .input(z.object({ echo: text().min(1).max(256) }))
    .query(({ input }) => ({ echo: input.echo, serverTime: new Date().toISOString() })),
})
