import { readEnv } from './env.js'
import { createLogger } from './logger.js'
import { DatabaseUnreachableError } from './open-database.js'
import { startServer } from './start-server.js'
import { surviveDatabaseFaults } from './survive-database-faults.js'

// The process entry point: config from the environment, logs to stdout, stops on signals.
async function main() {
  let env: ReturnType<typeof readEnv>
  try {
    env = readEnv()
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(1)
  }
  const logger = createLogger(env.LOG_LEVEL)
  surviveDatabaseFaults(logger)
  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer({ env, logger })
  } catch (error) {
    // Waiting for the database ran out: one readable line says where and why, no stack.
    if (error instanceof DatabaseUnreachableError) logger.fatal(error.message)
    else logger.fatal({ err: error }, 'Trellis could not start')
    process.exit(1)
  }
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'Shutting down')
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

void main()
