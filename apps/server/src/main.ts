import { readEnv, startedByPackageScript, unknownSettings, withFlags } from './env.js'
import { createLogger, logFormatOf } from './logger.js'
import { DatabaseUnreachableError } from './open-database.js'
import { startServer } from './start-server.js'
import { startupRefusal } from './startup-refusal.js'
import { stopWithWrapper } from './stop-with-wrapper.js'
import { surviveDatabaseFaults } from './survive-database-faults.js'

// The process entry point: config from the environment, logs to stdout, stops on signals.
async function main() {
  let env: ReturnType<typeof readEnv>
  try {
    env = readEnv(withFlags(process.argv.slice(2)))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(1)
  }
  const logger = createLogger(env.LOG_LEVEL, undefined, logFormatOf(env, process.stdout.isTTY === true))
  surviveDatabaseFaults(logger)
  for (const { variable, suggestion, message } of unknownSettings()) {
    logger.warn({ variable, suggestion }, message)
  }
  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer({ env, logger })
  } catch (error) {
    // Waiting for the database ran out, or a start the operator got wrong: one readable
    // line says where and why, no stack; anything else is logged with its stack.
    const refusal = startupRefusal(error)
    if (error instanceof DatabaseUnreachableError) logger.fatal(error.message)
    else if (refusal) process.stderr.write(`${refusal}\n`)
    else logger.fatal({ err: error }, 'Trellis could not start')
    process.exit(1)
  }
  let stopping = false
  const stop = (reason: NodeJS.Signals | 'wrapper exited') => {
    // A wrapper (pnpm start) may pass on the signal the terminal already sent us: once is enough.
    if (stopping) return
    stopping = true
    logger.info({ reason }, 'Shutting down')
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
  if (startedByPackageScript()) stopWithWrapper(() => stop('wrapper exited'))
}

void main()
