import { createTestDatabase, type TestDatabase } from '@trellis/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../trpc/logger.js'
import { deliverOutbox } from './deliver-outbox.js'
import { enqueueMail, type Mail, type MailSender } from './mail.js'

describe('deliverOutbox', () => {
  let test: TestDatabase
  beforeAll(async () => {
    test = await createTestDatabase()
  })
  afterAll(() => test.dispose())

  it('sends queued mail once, oldest first, and retries a failed one later', async () => {
    await enqueueMail(test.db, { recipient: 'a@example.com', subject: 'first', body: 'one' })
    await enqueueMail(test.db, { recipient: 'b@example.com', subject: 'second', body: 'two' })
    const sent: Mail[] = []
    let failNext = true
    const flaky: MailSender = {
      async send(mail) {
        if (mail.recipient === 'b@example.com' && failNext) {
          failNext = false
          throw new Error('SMTP down')
        }
        sent.push(mail)
      },
    }
    expect(await deliverOutbox(test.db, flaky, silentLogger)).toBe(1)
    expect(await deliverOutbox(test.db, flaky, silentLogger)).toBe(1)
    expect(await deliverOutbox(test.db, flaky, silentLogger)).toBe(0)
    expect(sent.map((mail) => mail.subject)).toEqual(['first', 'second'])
    const rows = await test.db
      .selectFrom('outbox')
      .select(['recipient', 'attempts', 'sent_at'])
      .orderBy('created_at')
      .execute()
    expect(rows.map((row) => [row.recipient, row.attempts, row.sent_at !== null])).toEqual([
      ['a@example.com', 0, true],
      ['b@example.com', 1, true],
    ])
  })

  it('keeps a mail whose transaction rolled back out of the outbox', async () => {
    await test.db
      .transaction()
      .execute(async (trx) => {
        await enqueueMail(trx, { recipient: 'ghost@example.com', subject: 'never', body: 'rolled back' })
        throw new Error('the change failed')
      })
      .catch(() => undefined)
    const ghost = await test.db
      .selectFrom('outbox')
      .select('id')
      .where('recipient', '=', 'ghost@example.com')
      .execute()
    expect(ghost).toEqual([])
  })
})
