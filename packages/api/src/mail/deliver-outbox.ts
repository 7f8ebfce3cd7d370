import type { TrellisDatabase } from '@trellis/db'
import type { Logger } from '../logger.js'
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
        // The body carries one-time tokens: once sent, only who, what and when are kept.
        await trx
          .updateTable('outbox')
          .set({ sent_at: new Date(), body: '' })
          .where('id', '=', mail.id)
          .execute()
        sent++
      } catch (error) {
        logger.warn({ err: error, mailId: mail.id }, 'Mail delivery failed; will retry')
        const attempts = mail.attempts + 1
        await trx
          .updateTable('outbox')
          // A mail given up on keeps no token either.
          .set({ attempts, ...(attempts >= MAX_ATTEMPTS ? { body: '' } : {}) })
          .where('id', '=', mail.id)
          .execute()
      }
    }
    return sent
  })
}

/**
 * Deletes mail sent (or given up on) more than `retentionMs` ago; their bodies are already
 * empty, this forgets who was mailed what.
 *
 * @returns how many rows were deleted
 */
export async function pruneOutbox(db: TrellisDatabase, retentionMs: number): Promise<number> {
  const cutoff = new Date(Date.now() - retentionMs)
  const result = await db
    .deleteFrom('outbox')
    .where((eb) =>
      eb.or([
        eb('sent_at', '<', cutoff),
        eb.and([
          eb('sent_at', 'is', null),
          eb('attempts', '>=', MAX_ATTEMPTS),
          eb('created_at', '<', cutoff),
        ]),
      ]),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** What the outbox holds now, for metrics: mail waiting to be sent, and mail given up on. */
export interface OutboxCounts {
  readonly pending: number
  readonly givenUp: number
}

/** Counts the unsent mail in the outbox: still to try, and given up on after every attempt failed. */
export async function countOutbox(db: TrellisDatabase): Promise<OutboxCounts> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [
      eb.fn.countAll<string>().filterWhere('attempts', '<', MAX_ATTEMPTS).as('pending'),
      eb.fn.countAll<string>().filterWhere('attempts', '>=', MAX_ATTEMPTS).as('givenUp'),
    ])
    .where('sent_at', 'is', null)
    .executeTakeFirstOrThrow()
  return { pending: Number(row.pending), givenUp: Number(row.givenUp) }
}
