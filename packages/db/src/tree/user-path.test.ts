import { describe, expect, it } from 'vitest'
import { ancestorPathsOf, childPath, parentPathOf } from './user-path.js'

describe('ancestorPathsOf', () => {
  it('lists every ancestor, nearest first', () => {
    expect(ancestorPathsOf('/1/57/923/')).toEqual(['/1/57/', '/1/'])
  })

  it('gives none for a root', () => {
    expect(ancestorPathsOf(childPath(null, '1'))).toEqual([])
  })

  // Guards against the walk drifting from parentPathOf, the one place a path is cut.
  it('walks the same parents as parentPathOf', () => {
    const path = '/10/200/3000/4/'
    const [nearest, ...rest] = ancestorPathsOf(path)
    expect(nearest).toBe(parentPathOf(path))
    expect(rest[0]).toBe(parentPathOf(nearest!))
  })
})
