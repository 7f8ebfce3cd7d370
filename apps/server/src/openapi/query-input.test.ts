import { describe, expect, it } from 'vitest'
import { queryInputOf } from './query-input.js'

const SCHEMA = {
  type: 'object',
  properties: {
    email: { type: 'string' },
    limit: { type: 'integer' },
    withDeactivated: { type: 'boolean' },
    sum: { type: 'array', items: { type: 'string' } },
    sizes: { type: 'array', items: { type: 'integer' } },
    where: { type: 'object' },
  },
}

describe('a read input from its query string', () => {
  it('takes strings as written and reads everything else as JSON text', () => {
    const params = new URLSearchParams(
      'email=12&limit=10&withDeactivated=true&sum=price&sum=weight&sizes=1&sizes=2&where={"status":"open"}',
    )
    expect(queryInputOf(params, SCHEMA)).toEqual({
      email: '12',
      limit: 10,
      withDeactivated: true,
      sum: ['price', 'weight'],
      sizes: [1, 2],
      where: { status: 'open' },
    })
  })

  it('passes text that is not JSON on as text, for the procedure to refuse', () => {
    expect(queryInputOf(new URLSearchParams('limit=many&other=x'), SCHEMA)).toEqual({
      limit: 'many',
      other: 'x',
    })
  })

  it('keeps a parameter named __proto__ an own field, not the prototype', () => {
    const input = queryInputOf(new URLSearchParams('__proto__={"limit":5}'), SCHEMA) as Record<
      string,
      unknown
    >
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype)
    expect(input.limit).toBeUndefined()
    expect(Object.keys(input)).toEqual(['__proto__'])
  })

  it('is no input when there are no parameters, so an optional input takes its default', () => {
    expect(queryInputOf(new URLSearchParams(''), SCHEMA)).toBeUndefined()
  })
})
