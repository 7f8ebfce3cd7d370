import type { MailSender } from '@trellis/api'
import { createTransport } from 'nodemailer'

/** A sender over SMTP that can also hang up its connection at shutdown. */
export interface SmtpMailSender extends MailSender {
  close(): void
}

/**
 * Sends each mail as plain text over SMTP to the server `url` names
 * (`smtp://user:pass@host:587`, upgraded with STARTTLS when the server offers it, or
 * `smtps://…:465`), from `from`. Timeouts are short: the outbox holds a transaction while
 * a mail is sent, and an unreachable server must fail the attempt (retried later), not hang.
 */
export function smtpMailSender(url: string, from: string): SmtpMailSender {
  const transport = createTransport(
    { url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    { from },
  )
  return {
    async send(mail) {
      await transport.sendMail({ to: mail.recipient, subject: mail.subject, text: mail.body })
    },
    close() {
      transport.close()
    },
  }
}
