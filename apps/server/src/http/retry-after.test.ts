import { PolicyLimitError } from '@trellis/api'
import { TRPCError } from '@trpc/server'
import { describe, expect, it } from 'vitest'
import { retryAfterSeconds } from './retry-after.js'

const NOW = Date.parse('2026-11-30T13:00:00.000Z')
const limit = (resetsAt: string) => new PolicyLimitError('used up', new Date(resetsAt))

describe('Retry-After of an answer', () => {
  it('is absent without a policy limit among the errors', () => {
    expect(retryAfterSeconds([], NOW)).toBeUndefined()
    expect(retryAfterSeconds([new TRPCError({ code: 'TOO_MANY_REQUESTS' })], NOW)).toBeUndefined()
  })

  it('waits for the latest reset of a batch, in whole seconds rounded up', () => {
    const errors = [
      limit('2026-11-30T13:00:01.000Z'),
      new TRPCError({ code: 'NOT_FOUND' }),
      limit('2026-11-30T13:00:30.200Z'),
    ]
    expect(retryAfterSeconds(errors, NOW)).toBe(31)
  })

  it('is at least one second, even for a window that has just ended', () => {
    expect(retryAfterSeconds([limit('2026-11-30T12:59:59.000Z')], NOW)).toBe(1)
  })
})
