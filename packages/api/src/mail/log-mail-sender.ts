import type { Logger } from '../logger.js'
import type { MailSender } from './mail.js'

// Reset (`trt_`) and invitation (`tri_`) tokens, alone or inside a link.
const ONE_TIME_TOKEN = /\btr[ti]_[A-Za-z0-9_-]+/g

/**
 * The default sender: writes each mail to the log, for development and tests. A mail's
 * one-time tokens are hidden unless `showTokens` (`TRELLIS_MAIL_LOG_TOKENS=1`): a log
 * is read by more people than the mailbox, and a token in it would let them in.
 */
export function logMailSender(logger: Logger, { showTokens = false } = {}): MailSender {
  return {
    async send(mail) {
      const body = showTokens ? mail.body : mail.body.replace(ONE_TIME_TOKEN, '[token hidden]')
      logger.info({ mail: { recipient: mail.recipient, subject: mail.subject, body } }, 'Mail')
    },
  }
}
