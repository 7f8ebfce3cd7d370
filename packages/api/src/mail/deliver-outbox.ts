import type { TrellisDatabase } from '@trellis/db'
import type { Logger } from '../trpc/logger.js'
import type { MailSender } from './mail.js'

const MAX_ATTEMPTS = 5

/**
 * Sends queued mail, oldest first. Rows are locked with SKIP LOCKED, so several server
 * instances can deliver from one outbox without sending a mail twice.
 *
 * @returns how many mails were sent
 */
export async function deliverOutbox(
  db: TrellisDatabase,
  sender: MailSender,
  logger: Logger,
  batchSize = 20,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const pending = await trx
      .selectFrom('outbox')
      .select(['id', 'recipient', 'subject', 'body', 'attempts'])
      .where('sent_at', 'is', null)
      .where('attempts', '<', MAX_ATTEMPTS)
      .orderBy('created_at')
      .limit(batchSize)
      .forUpdate()
      .skipLocked()
      .execute()
    let sent = 0
    for (const mail of pending) {
      try {
        await sender.send(mail)
        await trx.updateTable('outbox').set({ sent_at: new Date() }).where('id', '=', mail.id).execute()
        sent++
      } catch (error) {
        logger.warn({ err: error, mailId: mail.id }, 'Mail delivery failed; will retry')
        await trx
          .updateTable('outbox')
          .set({ attempts: mail.attempts + 1 })
          .where('id', '=', mail.id)
          .execute()
      }
    }
    return sent
  })
}

/** The default sender: writes each mail to the log, for development and tests. */
export function logMailSender(logger: Logger): MailSender {
  return {
    async send(mail) {
      logger.info({ mail: { recipient: mail.recipient, subject: mail.subject, body: mail.body } }, 'Mail')
    },
  }
}
