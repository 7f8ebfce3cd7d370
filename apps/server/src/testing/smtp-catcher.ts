import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { SMTPServer } from 'smtp-server'

/** A message as the SMTP server received it: envelope, headers and decoded text. */
export interface ReceivedMail {
  readonly from: string | undefined
  readonly to: readonly string[]
  readonly headers: string
  readonly text: string
}

export interface SmtpCatcher {
  /** `smtp://user:pass@127.0.0.1:<port>`: what TRELLIS_SMTP_URL points the server at. */
  readonly url: string
  readonly received: readonly ReceivedMail[]
  /** The first mail to `recipient`, waiting up to 10 s for it. */
  mailTo(recipient: string): Promise<ReceivedMail>
  close(): Promise<void>
}

/**
 * A real SMTP server on a loopback port that accepts mail only from `user`/`pass`, and
 * keeps what it receives. No STARTTLS (it has no certificate of its own), so the login
 * is allowed in clear, on loopback only.
 */
export async function startSmtpCatcher(user = 'trellis', pass = 'smtp secret'): Promise<SmtpCatcher> {
  const received: ReceivedMail[] = []
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user })
      callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const split = raw.indexOf('\r\n\r\n')
        const headers = raw.slice(0, split)
        const body = raw.slice(split + 4)
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((address) => address.address),
          headers,
          text: /content-transfer-encoding: quoted-printable/i.test(headers)
            ? decodeQuotedPrintable(body)
            : body,
        })
        callback()
      })
    },
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    received,
    async mailTo(recipient) {
      for (let waited = 0; waited < 10_000; waited += 50) {
        const mail = received.find((candidate) => candidate.to.includes(recipient))
        if (mail) return mail
        await sleep(50)
      }
      throw new Error(`No mail to ${recipient} arrived`)
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Quoted-printable (RFC 2045) to text: soft line breaks joined, `=XX` bytes decoded. */
function decodeQuotedPrintable(body: string): string {
  const bytes = body
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
  return Buffer.from(bytes, 'latin1').toString('utf8')
}
