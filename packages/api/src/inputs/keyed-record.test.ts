import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { keyedRecord } from './keyed-record.js'

const Grants = keyedRecord(z.enum(['ALL', 'SELF']))

describe('keyedRecord', () => {
  it('parses like z.record', () => {
    expect(Grants.parse({ 'users.read': 'ALL' })).toEqual({ 'users.read': 'ALL' })
    expect(Grants.safeParse({ 'users.read': 'NONE' }).success).toBe(false)
  })

  it('refuses a __proto__ key instead of dropping it silently (regression: a grant vanished)', () => {
    const sent = JSON.parse('{"__proto__": "ALL", "users.read": "ALL"}')
    expect(Grants.safeParse(sent).error?.issues).toMatchObject([
      { path: [], message: 'must not use "__proto__" as a key' },
    ])
  })

  it('refuses keys PostgreSQL cannot store', () => {
    expect(Grants.safeParse({ 'users.read\u0000': 'ALL' }).error?.issues).toMatchObject([
      { code: 'invalid_key' },
    ])
  })
})
