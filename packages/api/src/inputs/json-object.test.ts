import { describe, expect, it } from 'vitest'
import { jsonObject } from './json-object.js'

const Data = jsonObject(1024)
const issues = (value: unknown) =>
  Data.safeParse(value).error?.issues.map(({ path, message }) => ({ path, message }))

describe('jsonObject', () => {
  it('passes a JSON object through unchanged', () => {
    const value = { a: 'text', list: [1, 'two', { three: null }], nested: { deep: true } }
    expect(Data.parse(value)).toEqual(value)
  })

  it('refuses NUL or a lone surrogate in any string and any key, at any depth, naming where', () => {
    expect(issues({ a: { list: ['ok', 'bad\u0000'] } })).toEqual([
      { path: ['a', 'list', 1], message: 'must not contain NUL (\\u0000) or an unpaired surrogate' },
    ])
    // A bad key is reported at its parent: the key itself cannot be shown or stored.
    expect(issues({ a: { 'k\uD800': 1 } })).toEqual([
      { path: ['a'], message: 'has a key that must not contain NUL (\\u0000) or an unpaired surrogate' },
    ])
  })

  it('refuses a __proto__ key at any depth and pollutes nothing (regression: zod dropped it silently)', () => {
    const sent = JSON.parse('{"__proto__": {"polluted": true}, "a": [{"__proto__": {"polluted": true}}]}')
    expect(issues(sent)).toEqual([
      { path: [], message: 'must not use "__proto__" as a key' },
      { path: ['a', 0], message: 'must not use "__proto__" as a key' },
    ])
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })

  it('refuses what is not an object, too deep, or too big', () => {
    expect(issues(['a'])).toEqual([{ path: [], message: 'must be a JSON object' }])
    let deep: unknown = 'leaf'
    for (let depth = 0; depth < 100; depth++) deep = [deep]
    expect(issues({ deep })).toEqual([
      { path: ['deep', ...Array(63).fill(0)], message: 'must not nest deeper than 64 levels' },
    ])
    expect(issues({ big: 'x'.repeat(2000) })).toEqual([
      { path: [], message: 'must be at most 1 KiB of JSON' },
    ])
  })
})
