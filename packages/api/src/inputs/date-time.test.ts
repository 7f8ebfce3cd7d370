import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { dateTimeInput } from './date-time.js'

// Outside the years 1..9999 in UTC: PGlite answered 500, PostgreSQL answered rows.
const OUT_OF_RANGE = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00+14:00', // year 0 once in UTC
  '9999-12-31T23:59:59-14:00', // year 10000 once in UTC
]
const MALFORMED = ['+300000-01-01T00:00:00Z', '2021-02-30T00:00:00Z', 'yesterday']
const EDGES = ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z']

/** A cursor as a client could forge one: base64url JSON of the last row seen. */
const forgedCursor = (t: string) => Buffer.from(JSON.stringify({ t, id: randomUUID() })).toString('base64url')

describe('dateTimeInput', () => {
  it('takes ISO instants in the years 1 to 9999 (UTC), with Z or an offset', () => {
    for (const date of [...EDGES, '2026-06-01T12:00:00+02:00']) {
      expect(dateTimeInput().safeParse(date).success, date).toBe(true)
    }
    for (const date of [...OUT_OF_RANGE, ...MALFORMED]) {
      expect(dateTimeInput().safeParse(date).success, date).toBe(false)
    }
  })
})

describe('dates outside what both databases take (regression: 500 on PGlite)', () => {
  let h: ApiHarness
  const admin = () => h.callAs(h.adminId)

  beforeAll(async () => {
    h = await createApiHarness()
    await h.grant(h.adminId, { 'audit.read': 'ALL' })
    await admin().entityTypes.create({ name: 'notes', schema: { type: 'object' } })
    await admin().records.create({ entityType: 'notes', data: {} })
  })
  afterAll(() => h.dispose())

  it('audit.list from/to and records.list createdAfter/createdBefore answer BAD_REQUEST naming the field', async () => {
    for (const date of [...OUT_OF_RANGE, ...MALFORMED]) {
      const calls = {
        from: () => admin().audit.list({ from: date }),
        to: () => admin().audit.list({ to: date }),
        createdAfter: () => admin().records.list({ createdAfter: date }),
        createdBefore: () => admin().records.list({ createdBefore: date }),
      }
      for (const [field, call] of Object.entries(calls)) {
        const error = await failure(call())
        expect(error.code, `${field} ${date}`).toBe('BAD_REQUEST')
        expect(formatted(error).inputIssues, `${field} ${date}`).toMatchObject([{ path: [field] }])
      }
    }
  })

  it('a forged cursor holding such a date is an invalid cursor, on every list', async () => {
    for (const date of [...OUT_OF_RANGE, ...MALFORMED]) {
      const cursor = forgedCursor(date)
      for (const call of [
        () => admin().audit.list({ cursor }),
        () => admin().records.list({ cursor }),
        () => admin().users.list({ cursor }),
        () => admin().users.children({ id: h.adminId, cursor }),
      ]) {
        expect(formatted(await failure(call())), date).toEqual({
          message: 'Invalid cursor: pass back a nextCursor from a previous page',
        })
      }
    }
  })

  it('the edges of the range work the same on both databases', async () => {
    const [first, last] = EDGES as [string, string]
    expect((await admin().records.list({ createdAfter: first, createdBefore: last })).items).toHaveLength(1)
    expect((await admin().records.list({ createdAfter: last })).items).toHaveLength(0)
    expect((await admin().audit.list({ from: first, to: last })).items.length).toBeGreaterThan(0)
    expect((await admin().users.list({ cursor: forgedCursor(first) })).items).toHaveLength(0)
    expect((await admin().users.list({ cursor: forgedCursor(last) })).items.length).toBeGreaterThan(0)
  })
})
