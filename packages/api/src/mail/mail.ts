import type { TrellisDatabase } from '@trellis/db'

export interface Mail {
  readonly recipient: string
  readonly subject: string
  readonly body: string
}

/** Delivers mail. Plug in SMTP or a provider's API; the default writes to the log. */
export interface MailSender {
  send(mail: Mail): Promise<void>
}

/**
 * Queues a mail in the outbox, in the caller's transaction (pass it as `db`): it goes out only if the
 * change that wrote it commits.
 */
export async function enqueueMail(db: TrellisDatabase, mail: Mail): Promise<void> {
  await db.insertInto('outbox').values(mail).execute()
}
