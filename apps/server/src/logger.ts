import pino, { type Logger } from 'pino'
import type { ServerEnv } from './env.js'

/** Structured JSON logs on stdout. Secrets are redacted wherever they might be passed. */
export function createLogger(level: ServerEnv['LOG_LEVEL'], destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'trellis' },
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  )
}
