import { createTrellisClient } from '@trellis/sdk'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { failureCode } from '../testing/call-failure.js'
import { type SmtpCatcher, startSmtpCatcher } from '../testing/smtp-catcher.js'
import { startTestServer, type TestServer } from '../testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const PUBLIC_URL = 'https://trellis.example.com'
// The system's Chromium, never a downloaded one (as in console.e2e.test.ts).
const CHROMIUM = '/usr/bin/chromium'

/**
 * For the enclosing suite: a loopback SMTP server taking `smtpPassword`, and the real
 * server configured by `envOf` its URL; both stop after the suite.
 */
function serverMailingOverSmtp(smtpPassword: string, envOf: (smtpUrl: string) => Record<string, string>) {
  const running = {} as { smtp: SmtpCatcher; server: TestServer }
  beforeAll(async () => {
    running.smtp = await startSmtpCatcher('trellis', smtpPassword)
    running.server = await startTestServer(envOf(running.smtp.url))
  })
  afterAll(async () => {
    await running.server.stop()
    await running.smtp.close()
  })
  return running
}

// The real server sends its mail to a real SMTP server on loopback (TRELLIS_SMTP_URL).
describe('mail over SMTP', () => {
  const running = serverMailingOverSmtp('smtp secret', (smtpUrl) => ({
    TRELLIS_SMTP_URL: smtpUrl,
    TRELLIS_MAIL_FROM: 'Trellis <noreply@example.com>',
    TRELLIS_PUBLIC_URL: PUBLIC_URL,
  }))

  it('delivers a password reset whose link, under the public URL, resets the password', async () => {
    const anonymous = createTrellisClient({ url: running.server.trpcUrl })
    await anonymous.auth.requestPasswordReset.mutate({ email: ADMIN.email })
    const mail = await running.smtp.mailTo(ADMIN.email)
    expect(mail.from).toBe('noreply@example.com')
    expect(mail.headers).toMatch(/^Subject: Reset your Trellis password$/m)
    expect(mail.headers).toMatch(/^From: Trellis <noreply@example\.com>$/m)

    const href = /https:\/\/\S+/.exec(mail.text)?.[0]
    expect(href).toBeDefined()
    const link = new URL(href ?? '')
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_URL}/reset-password`)
    const token = link.searchParams.get('token') ?? ''
    expect(token).toMatch(/^trt_/)
    // The link's page is the console's, served by this server behind the public URL.
    const page = await fetch(new URL(`${link.pathname}${link.search}`, running.server.url))
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)

    await anonymous.auth.resetPassword.mutate({ token, newPassword: 'a brand new password' })
    await expect(
      anonymous.auth.login.mutate({ email: ADMIN.email, password: 'a brand new password' }),
    ).resolves.toMatchObject({ user: { email: ADMIN.email } })
    // One use only.
    expect(
      await failureCode(anonymous.auth.resetPassword.mutate({ token, newPassword: 'once more please' })),
    ).toBe('UNAUTHORIZED')
    // Sent: the outbox keeps no body, so no token, once the mail is out.
    const rows = await running.server.database.db.selectFrom('outbox').select(['body', 'sent_at']).execute()
    expect(rows).toEqual([{ body: '', sent_at: expect.any(Date) }])
  })
})

// Without TRELLIS_PUBLIC_URL, links start with the server's own URL: opened in a real
// Chromium, the console's page takes the token from the link and sets the new password.
describe('the reset link in a browser', () => {
  const running = serverMailingOverSmtp('smtp secret', (smtpUrl) => ({
    TRELLIS_SMTP_URL: smtpUrl,
    TRELLIS_MAIL_FROM: 'noreply@example.com',
  }))
  let browser: Browser | undefined
  afterAll(() => browser?.close())

  it('opens the console page that resets the password', async () => {
    const anonymous = createTrellisClient({ url: running.server.trpcUrl })
    await anonymous.auth.requestPasswordReset.mutate({ email: ADMIN.email })
    const mail = await running.smtp.mailTo(ADMIN.email)
    const link = new RegExp(`${running.server.url}/reset-password\\?token=trt_[A-Za-z0-9_-]+`).exec(
      mail.text,
    )?.[0]
    expect(link).toBeDefined()

    browser = await chromium.launch({ executablePath: CHROMIUM, timeout: 20_000 })
    const page = await browser.newPage()
    page.setDefaultTimeout(20_000)
    await page.goto(link ?? '')
    await page.getByLabel('New password').fill('chosen in the browser')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByText('Password changed').waitFor()
    await expect(
      anonymous.auth.login.mutate({ email: ADMIN.email, password: 'chosen in the browser' }),
    ).resolves.toMatchObject({ user: { email: ADMIN.email } })
  }, 60_000)
})

describe('mail to an SMTP server that refuses the login', () => {
  const running = serverMailingOverSmtp('the real password', (smtpUrl) => ({
    TRELLIS_SMTP_URL: smtpUrl.replace(encodeURIComponent('the real password'), 'guessed-smtp-password'),
    TRELLIS_MAIL_FROM: 'noreply@example.com',
  }))

  it('keeps the mail queued, logs the failure without the SMTP password, and sends nothing', async () => {
    const anonymous = createTrellisClient({ url: running.server.trpcUrl })
    await anonymous.auth.requestPasswordReset.mutate({ email: ADMIN.email })
    // The failure is logged in the delivery's transaction, before its attempt is counted.
    const row = await vi.waitFor(
      async () => {
        const [row] = await running.server.database.db
          .selectFrom('outbox')
          .select(['sent_at', 'attempts'])
          .execute()
        expect(row?.attempts).toBeGreaterThan(0)
        return row
      },
      { timeout: 10_000, interval: 100 },
    )
    expect(row?.sent_at).toBeNull()
    expect(running.server.logs.map((line) => line.msg)).toContain('Mail delivery failed; will retry')
    expect(running.smtp.received).toEqual([])
    expect(JSON.stringify(running.server.logs)).not.toContain('guessed-smtp-password')
  })
})
