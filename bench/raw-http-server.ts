import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TRELLIS_VERSION } from '@trellis/api'
import { type DatabaseDialect, migrateToLatest, type TrellisDatabase } from '@trellis/db'
import { sql } from 'kysely'

/** Where both servers answer `system.info`, so the load generator sends the same request line. */
export const SYSTEM_INFO_PATH = '/trpc/system.info'

export interface RawHttpServerOptions {
  /** An open database (made by `createDatabase`, as the Trellis server's); the caller closes it. */
  readonly db: TrellisDatabase
  readonly dialect: DatabaseDialect
}

export interface RawHttpServer {
  /** The URL answering like `GET {trpcUrl}/system.info`. */
  readonly infoUrl: string
  close(): Promise<void>
}

/**
 * The baseline: the work of `system.info` (the same SQL query on the same kind of database,
 * the same JSON body) behind a bare `node:http` handler, without tRPC, request ids,
 * context or logging.
 *
 * @example
 * const db = await createDatabase({ dataDir: '/tmp/raw' })
 * const raw = await startRawHttpServer({ db, dialect: 'pglite' })
 * await fetch(raw.infoUrl) // {"result":{"data":{"name":"trellis",...}}}
 * await raw.close()
 * await db.destroy()
 */
export async function startRawHttpServer({ db, dialect }: RawHttpServerOptions): Promise<RawHttpServer> {
  await migrateToLatest(db)

  const server = createServer((req, res) => {
    if (req.url !== SYSTEM_INFO_PATH) {
      res.statusCode = 404
      res.end()
      return
    }
    sql<{ name: string }>`
      select name from kysely_migration order by name desc limit 1
    `
      .execute(db)
      .then(
        (latest) => {
          const data = {
            name: 'trellis',
            version: TRELLIS_VERSION,
            database: dialect,
            schemaVersion: latest.rows[0]?.name ?? null,
          }
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify({ result: { data } }))
        },
        () => {
          res.statusCode = 500
          res.end()
        },
      )
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo

  return {
    infoUrl: `http://127.0.0.1:${port}${SYSTEM_INFO_PATH}`,
    close: async () => {
      const closed = once(server, 'close')
      server.close()
      // The load generator's keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections()
      await closed
    },
  }
}
