import { createTestDatabase, type TestDatabase } from '@trellis/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../logger.js'
import { countOutbox, deliverOutbox, pruneOutbox } from './deliver-outbox.js'
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

  // Regression: reset and invitation tokens stayed in clear in outbox.body after sending.
  it('forgets the body of a sent mail, and of one given up on: they carry one-time tokens', async () => {
    await enqueueMail(test.db, { recipient: 'sent@example.com', subject: 'reset', body: 'token trt_secret1' })
    await enqueueMail(test.db, { recipient: 'dead@example.com', subject: 'reset', body: 'token trt_secret2' })
    expect(await countOutbox(test.db)).toEqual({ pending: 2, givenUp: 0 })
    const received: string[] = []
    const sender: MailSender = {
      async send(mail) {
        if (mail.recipient === 'dead@example.com') throw new Error('mailbox gone')
        received.push(mail.body)
      },
    }
    for (let round = 0; round < 6; round++) await deliverOutbox(test.db, sender, silentLogger)
    expect(received).toEqual(['token trt_secret1'])
    expect(await countOutbox(test.db)).toEqual({ pending: 0, givenUp: 1 })
    const rows = await test.db
      .selectFrom('outbox')
      .select(['recipient', 'subject', 'body', 'attempts'])
      .where('recipient', 'in', ['sent@example.com', 'dead@example.com'])
      .orderBy('recipient')
      .execute()
    expect(rows).toEqual([
      { recipient: 'dead@example.com', subject: 'reset', body: '', attempts: 5 },
      { recipient: 'sent@example.com', subject: 'reset', body: '', attempts: 0 },
    ])
  })

  it('deletes mail sent or given up on longer ago than the retention, and nothing else', async () => {
    await test.db.deleteFrom('outbox').execute()
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000)
    await test.db
      .insertInto('outbox')
      .values([
        {
          recipient: 'old-sent@example.com',
          subject: 's',
          body: '',
          created_at: hoursAgo(50),
          sent_at: hoursAgo(49),
        },
        {
          recipient: 'new-sent@example.com',
          subject: 's',
          body: '',
          created_at: hoursAgo(2),
          sent_at: hoursAgo(1),
        },
        { recipient: 'old-dead@example.com', subject: 's', body: '', created_at: hoursAgo(50), attempts: 5 },
        {
          recipient: 'old-pending@example.com',
          subject: 's',
          body: 'b',
          created_at: hoursAgo(50),
          attempts: 2,
        },
      ])
      .execute()
    expect(await pruneOutbox(test.db, 24 * 3_600_000)).toBe(2)
    const left = await test.db.selectFrom('outbox').select('recipient').orderBy('recipient').execute()
    expect(left.map((row) => row.recipient)).toEqual(['new-sent@example.com', 'old-pending@example.com'])
  })
})
