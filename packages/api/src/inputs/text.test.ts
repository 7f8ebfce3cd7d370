import { describe, expect, it } from 'vitest'
import { isStorableText, text } from './text.js'

describe('text', () => {
  it('refuses NUL and unpaired surrogates, and only those', () => {
    for (const bad of ['a\u0000b', '\u0000', 'x\uD800', '\uD800x', '\uDC00', 'a\uDC00\uD800b']) {
      expect(isStorableText(bad), JSON.stringify(bad)).toBe(false)
    }
    for (const good of [
      '',
      'plain',
      'ünïcødé',
      '😀 emoji (a surrogate pair)',
      'tab\tand\nnewline',
      '\u0001',
    ]) {
      expect(isStorableText(good), JSON.stringify(good)).toBe(true)
    }
  })

  it('keeps the string rules chained after it, and says what is wrong without echoing the input', () => {
    const Name = text().trim().min(1).max(5)
    expect(Name.parse('  ab ')).toBe('ab')
    expect(Name.safeParse('toolong').success).toBe(false)
    const refused = Name.safeParse('a\u0000')
    expect(refused.error?.issues).toMatchObject([
      { code: 'custom', path: [], message: 'must not contain NUL (\\u0000) or an unpaired surrogate' },
    ])
  })
})
