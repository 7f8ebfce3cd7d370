import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  logMailSender,
  type MailSender,
  PRESETS,
  type PresetName,
  prepareDatabase,
  type TransitionEffects,
} from '@trellis/api'
import {
  createDatabase,
  type DatabaseDialect,
  dialectOf,
  isDatabaseUnavailable,
  type TrellisDatabase,
} from '@trellis/db'
import type { Logger } from 'pino'
import { authConfigOf, type ServerEnv, webhookDeliveryConfigOf } from './env.js'
import { logCall } from './http/access-log.js'
import { createRequestHandler, TRPC_BASE_PATH } from './http/create-request-handler.js'
import { smtpMailSender } from './mail/smtp-mail-sender.js'
import { countedDeliveries } from './metrics/counted-deliveries.js'
import { createServerMetrics } from './metrics/server-metrics.js'
import { databaseConfigOf, openDatabaseWhenReachable } from './open-database.js'
import { startOutboxWorker } from './outbox-worker.js'
import { assertPortAvailable, portProblem } from './port-availability.js'
import { startWebhookWorker } from './webhooks/webhook-worker.js'

export interface StartServerOptions {
  readonly env: ServerEnv
  readonly logger: Logger
  /**
   * An already open database to serve instead of opening one from `env`; the caller
   * keeps ownership (tests use this for their isolated databases).
   */
  readonly database?: { readonly db: TrellisDatabase; readonly dialect: DatabaseDialect }
  /** Where outgoing mail goes; by default, SMTP if `TRELLIS_SMTP_URL` is set, else the log. */
  readonly mailSender?: MailSender
  /** The built web console to serve at `/`; by default `apps/console/dist` beside this app. */
  readonly consoleDir?: string
  /** Transition effects of the host's own, run after the preset's (docs/effects.md). */
  readonly effects?: readonly TransitionEffects[]
}

// From src/ (tests) and dist/ (built) alike: apps/server/<one folder>/ → apps/console/dist.
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url))

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string
  /** Where the tRPC API answers: give this to the SDK. */
  readonly trpcUrl: string
  readonly port: number
  /** Stops accepting, lets in-flight calls finish, then closes the database it opened. */
  close(): Promise<void>
}

/** Opens and prepares the database, then serves the API over HTTP until `close()`. */
export async function startServer({
  env,
  logger,
  database,
  mailSender,
  consoleDir = DEFAULT_CONSOLE_DIR,
  effects = [],
}: StartServerOptions): Promise<RunningServer> {
  // Before the database work: a taken port must fail at once, not after migrating.
  await assertPortAvailable(env.PORT, env.HOST)
  const ownsDatabase = database === undefined
  const dialect = database?.dialect ?? dialectOf({ databaseUrl: env.DATABASE_URL })
  const open = () => createDatabase(databaseConfigOf(env))
  const db =
    database?.db ??
    (env.DATABASE_URL
      ? await openDatabaseWhenReachable(open, {
          databaseUrl: env.DATABASE_URL,
          waitSeconds: env.TRELLIS_DATABASE_WAIT_SECONDS,
          logger,
        })
      : await open())
  const preset = env.TRELLIS_PRESET ? PRESETS[env.TRELLIS_PRESET as PresetName] : undefined
  try {
    await prepareDatabase(
      db,
      {
        preset: env.TRELLIS_PRESET,
        ...(preset
          ? { entityTypes: preset.entityTypes, roles: preset.roles, adminRole: preset.adminRole }
          : {}),
        adminEmail: env.TRELLIS_ADMIN_EMAIL,
        adminPassword: env.TRELLIS_ADMIN_PASSWORD,
        demo: env.TRELLIS_PRESET_DEMO ? preset?.demo : undefined,
      },
      logger,
    )
    if (preset) logger.info({ preset: preset.name }, 'Started with a preset')
  } catch (error) {
    if (ownsDatabase) await db.destroy()
    throw error
  }

  let shuttingDown = false
  // Known once listening (PORT=0 picks one); mail is sent only after that.
  let publicBase = env.TRELLIS_PUBLIC_URL?.replace(/\/$/, '')
  const auth = {
    ...authConfigOf(env),
    // Mails link to the console's pages that take their tokens, when there is a console to open.
    ...(existsSync(join(consoleDir, 'index.html'))
      ? {
          invitationLink: (token: string) => `${publicBase}/accept?token=${encodeURIComponent(token)}`,
          passwordResetLink: (token: string) =>
            `${publicBase}/reset-password?token=${encodeURIComponent(token)}`,
        }
      : {}),
  }
  const metrics =
    env.TRELLIS_METRICS === 'off'
      ? undefined
      : { access: env.TRELLIS_METRICS, collected: createServerMetrics(db) }
  const handler = createRequestHandler({
    db,
    dialect,
    logger,
    auth,
    // The preset's effects first: a host's own build on what the preset's did.
    effects: [...(preset?.effects ? [preset.effects] : []), ...effects],
    onCall: (call) => {
      logCall(logger, call)
      metrics?.collected.recordCall(call)
    },
    ...(metrics ? { metrics } : {}),
    isShuttingDown: () => shuttingDown,
    maxBatchSize: env.TRELLIS_MAX_BATCH_SIZE,
    consoleDir,
    browsers: {
      allowedOrigins: new Set(env.TRELLIS_CORS_ORIGINS),
      publicUrl: env.TRELLIS_PUBLIC_URL ? new URL(env.TRELLIS_PUBLIC_URL) : undefined,
    },
  })
  // readEnv refuses an SMTP URL without a sender.
  const smtp =
    mailSender || !env.TRELLIS_SMTP_URL
      ? undefined
      : smtpMailSender(env.TRELLIS_SMTP_URL, env.TRELLIS_MAIL_FROM ?? '')
  const sender = mailSender ?? smtp ?? logMailSender(logger, { showTokens: env.TRELLIS_MAIL_LOG_TOKENS })
  const stopWorker = startOutboxWorker(
    db,
    metrics ? countedDeliveries(sender, metrics.collected) : sender,
    logger,
    env.TRELLIS_OUTBOX_RETENTION_HOURS,
  )
  const stopWebhooks = startWebhookWorker(
    db,
    webhookDeliveryConfigOf(env),
    logger,
    env.TRELLIS_OUTBOX_RETENTION_HOURS,
  )
  const stopOutbox = async () => {
    await Promise.all([stopWorker(), stopWebhooks()])
    smtp?.close()
  }
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      // Last line of defence: whatever happened, the process stays up and the caller gets a
      // 500, or a 503 when the database is unreachable (worth retrying).
      logger.error({ err: error }, 'Unhandled request error')
      if (!res.headersSent) res.statusCode = isDatabaseUnavailable(error) ? 503 : 500
      res.end()
    })
  })
  server.listen(env.PORT, env.HOST)
  try {
    await once(server, 'listening')
  } catch (error) {
    // Taken since the check: say so as readably, and leave nothing open.
    await stopOutbox()
    if (ownsDatabase) await db.destroy()
    throw portProblem(error, env.PORT, env.HOST)
  }
  const { port } = server.address() as AddressInfo
  const host = env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST
  const url = `http://${host}:${port}`
  publicBase ??= url
  logger.info({ url, database: dialect }, 'Trellis is listening')

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true
      const closed = once(server, 'close')
      server.close()
      // Idle keep-alive sockets would hold close() open; busy ones finish their call first.
      server.closeIdleConnections()
      const idleSweep = setInterval(() => server.closeIdleConnections(), 50)
      const deadline = setTimeout(() => server.closeAllConnections(), env.TRELLIS_SHUTDOWN_TIMEOUT_MS)
      await closed
      clearInterval(idleSweep)
      clearTimeout(deadline)
      await stopOutbox()
      if (ownsDatabase) await db.destroy()
      logger.info('Trellis stopped')
    })()
    return closing
  }
  return { url, trpcUrl: `${url}${TRPC_BASE_PATH}`, port, close }
}
