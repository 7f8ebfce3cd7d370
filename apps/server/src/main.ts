import { readEnv, unknownSettings } from './env.js'
import { createLogger } from './logger.js'
import { startServer } from './start-server.js'
import { startupRefusal } from './startup-refusal.js'

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
  for (const { variable, suggestion, message } of unknownSettings()) {
    logger.warn({ variable, suggestion }, message)
  }
  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer({ env, logger })
  } catch (error) {
    // A start the operator got wrong gets one line, like invalid configuration; the rest a stack.
    const refusal = startupRefusal(error)
    if (refusal) process.stderr.write(`${refusal}\n`)
    else logger.fatal({ err: error }, 'Trellis could not start')
    process.exit(1)
  }
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    // A wrapper (pnpm start) may pass on the signal the terminal already sent us: once is enough.
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'Shutting down')
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

void main()
