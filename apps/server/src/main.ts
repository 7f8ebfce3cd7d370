import { readEnv } from './env.js'
import { createLogger } from './logger.js'
import { startServer } from './start-server.js'

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
  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer({ env, logger })
  } catch (error) {
    logger.fatal({ err: error }, 'Trellis could not start')
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
