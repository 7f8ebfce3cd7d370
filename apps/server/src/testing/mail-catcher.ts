import { setTimeout as sleep } from 'node:timers/promises'
import type { Mail, MailSender } from '@trellis/api'
import type { TrellisDatabase } from '@trellis/db'

/** A mail sender that keeps what it sends: the outbox forgets a body once it is sent. */
export interface MailCatcher {
  readonly sender: MailSender
  readonly sent: readonly Mail[]
  /**
   * The first match of `pattern` in the newest mail to `recipient`, once the outbox has
   * nothing left to send them (the worker sends every second).
   */
  latestMatch(db: TrellisDatabase, recipient: string, pattern: RegExp): Promise<string>
}

export function catchMail(): MailCatcher {
  const sent: Mail[] = []
  return {
    sender: {
      async send(mail) {
        sent.push(mail)
      },
    },
    sent,
    async latestMatch(db, recipient, pattern) {
      for (let waited = 0; waited < 10_000; waited += 50) {
        const pending = await db
          .selectFrom('outbox')
          .select('id')
          .where('recipient', '=', recipient)
          .where('sent_at', 'is', null)
          .executeTakeFirst()
        const latest = sent.findLast((mail) => mail.recipient === recipient)
        const match = latest && pattern.exec(latest.body)?.[0]
        if (!pending && match) return match
        await sleep(50)
      }
      throw new Error(`No mail to ${recipient} matching ${pattern}`)
    },
  }
}
