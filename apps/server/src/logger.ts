import pino, { type Logger } from 'pino'
import pinoPretty from 'pino-pretty'
import type { ServerEnv } from './env.js'

/** How log lines look: `json` for machines (production), `pretty` for a person at a terminal. */
export type LogFormat = 'json' | 'pretty'

/**
 * Structured logs on stdout (or `destination`), as JSON or pretty lines. Secrets are
 * redacted wherever they might be passed.
 */
export function createLogger(
  level: ServerEnv['LOG_LEVEL'],
  destination?: pino.DestinationStream,
  format: LogFormat = 'json',
): Logger {
  return pino(
    {
      level,
      base: { service: 'trellis' },
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization'],
        censor: '[redacted]',
      },
    },
    format === 'pretty'
      ? pinoPretty({
          destination: destination ?? 1,
          ignore: 'pid,hostname,service',
          singleLine: true,
          sync: true,
        })
      : destination,
  )
}

/**
 * The format the settings ask for; unset, pretty only for a person watching: stdout is a
 * terminal and this is no production (where logs are collected and parsed).
 */
export function logFormatOf(env: ServerEnv, stdoutIsTerminal: boolean): LogFormat {
  if (env.TRELLIS_LOG_FORMAT) return env.TRELLIS_LOG_FORMAT
  return stdoutIsTerminal && env.NODE_ENV !== 'production' ? 'pretty' : 'json'
}
