import { Writable } from 'node:stream'
import type { MailSender, TransitionEffects } from '@trellis/api'
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing'
import { readEnv } from '../env.js'
import { createLogger } from '../logger.js'
import { type RunningServer, startServer } from '../start-server.js'
import { catchMail, type MailCatcher } from './mail-catcher.js'

export interface TestServer extends RunningServer {
  readonly database: TestDatabase
  /** Every log line the server wrote, parsed. */
  readonly logs: Record<string, unknown>[]
  /** Every mail the server sent. */
  readonly mail: MailCatcher
  stop(): Promise<void>
}

/**
 * The real server on an ephemeral loopback port, on a fresh isolated database
 * (PGlite, or PostgreSQL when DATABASE_URL is set), with its logs captured. A test may
 * bring its own database (it is disposed on `stop`), mail sender and transition effects.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: {
    database?: TestDatabase
    mailSender?: MailSender
    effects?: readonly TransitionEffects[]
  } = {},
): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase())
  const logs: Record<string, unknown>[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line))
      done()
    },
  })
  const logger = createLogger('debug', sink)
  const mail = catchMail()
  const server = await startServer({
    // A test's own sender, or the SMTP server its env names, replaces the catcher (then
    // `mail` catches nothing).
    mailSender: options.mailSender ?? (env.TRELLIS_SMTP_URL ? undefined : mail.sender),
    env: readEnv({ PORT: '0', TRELLIS_ADMIN_PASSWORD: 'correct horse battery', ...env }),
    logger,
    database: { db: database.db, dialect: database.dialect },
    effects: options.effects,
  })
  return {
    ...server,
    database,
    logs,
    mail,
    async stop() {
      await server.close()
      await database.dispose()
    },
  }
}
