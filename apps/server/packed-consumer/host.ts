// An app that mounts the packed @trellis/api in its own host (the package README's example),
// on an in-memory database, and calls it with the packed SDK.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { appRouter, createContext, DEFAULT_AUTH_CONFIG, prepareDatabase, silentLogger } from '@trellis/api'
import { createDatabase } from '@trellis/db'
import { createTrellisClient } from '@trellis/sdk'
import { createHTTPHandler } from '@trpc/server/adapters/standalone'

const db = await createDatabase()
await prepareDatabase(
  db,
  { adminEmail: 'host@example.com', adminPassword: 'a long passphrase' },
  silentLogger,
)

const handler = createHTTPHandler({
  router: appRouter,
  basePath: '/trpc/',
  createContext: ({ req }) =>
    createContext(
      { db, dialect: 'pglite', logger: silentLogger, auth: DEFAULT_AUTH_CONFIG },
      {
        requestId: crypto.randomUUID(),
        clientAddress: req.socket.remoteAddress,
        authorization: req.headers.authorization,
      },
    ),
})
const server = createServer((req, res) => void handler(req, res))
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address() as AddressInfo

try {
  const trellis = createTrellisClient({ url: `http://127.0.0.1:${port}/trpc` })
  await trellis.auth.login.mutate({ email: 'host@example.com', password: 'a long passphrase' })
  const me = await trellis.auth.me.query()
  console.log(JSON.stringify({ me: me.email }))
} finally {
  server.close()
  await db.destroy()
}

/** Never called: its errors prove the packages' types resolved (skipLibCheck turns a missing one into `any`). */
export function typeProbes() {
  // @ts-expect-error no such table in the schema
  db.selectFrom('no_such_table')
  // @ts-expect-error adminEmail is a string
  void prepareDatabase(db, { adminEmail: 42 }, silentLogger)
}
