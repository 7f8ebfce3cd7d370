import { describe, expect, it } from 'vitest'
import { broadestLevel, isLevel, LEVELS, levelIncludes } from './level.js'

describe('levels', () => {
  it('are ordered narrow to broad', () => {
    expect(LEVELS).toEqual(['SELF', 'OWNED', 'UNION', 'ALL'])
  })

  it('include every narrower level and no broader one', () => {
    expect(levelIncludes('ALL', 'SELF')).toBe(true)
    expect(levelIncludes('UNION', 'OWNED')).toBe(true)
    expect(levelIncludes('OWNED', 'OWNED')).toBe(true)
    expect(levelIncludes('OWNED', 'UNION')).toBe(false)
    expect(levelIncludes('SELF', 'ALL')).toBe(false)
  })

  it('pick the broadest of several grants', () => {
    expect(broadestLevel(['SELF', 'UNION', 'OWNED'])).toBe('UNION')
    expect(broadestLevel([])).toBeUndefined()
  })

  it('recognise only the four names', () => {
    expect(isLevel('OWNED')).toBe(true)
    expect(isLevel('owned')).toBe(false)
    expect(isLevel(2)).toBe(false)
  })
})
