import type { CallReport } from '@trellis/api'
import type { Logger } from 'pino'

/**
 * The access log: one `info` line per finished call, saying which procedure, who called,
 * how it ended (`OK` or the tRPC code) and how long it took. Never the input: it may hold
 * a password or a token.
 */
export function logCall(logger: Logger, call: CallReport): void {
  logger.info(
    {
      requestId: call.requestId,
      procedure: call.procedure,
      callerId: call.callerId,
      outcome: call.outcome,
      ms: Math.round(call.durationMs * 10) / 10,
    },
    'Call',
  )
}
