import { describe, expect, it } from 'vitest'
import { LEVELS } from './level.js'
import { ancestorsOf, moveWouldCreateCycle, type ParentMap, subtreeOf, visibleOwners } from './user-tree.js'

// issuer ─┬─ dev ─┬─ merchantA ── consumer1
//         │       └─ merchantB
//         └─ dev2
// other (a second root)
const tree: ParentMap = new Map([
  ['issuer', null],
  ['dev', 'issuer'],
  ['dev2', 'issuer'],
  ['merchantA', 'dev'],
  ['merchantB', 'dev'],
  ['consumer1', 'merchantA'],
  ['other', null],
])

describe('the in-memory user tree', () => {
  it('finds a subtree and the ancestors', () => {
    expect(subtreeOf(tree, 'dev')).toEqual(new Set(['dev', 'merchantA', 'merchantB', 'consumer1']))
    expect(ancestorsOf(tree, 'consumer1')).toEqual(['merchantA', 'dev', 'issuer'])
    expect(ancestorsOf(tree, 'issuer')).toEqual([])
  })

  it('sees the model levels for a user with a parent', () => {
    expect(visibleOwners(tree, 'merchantA', 'SELF')).toEqual(new Set(['merchantA']))
    expect(visibleOwners(tree, 'merchantA', 'OWNED')).toEqual(new Set(['merchantA', 'consumer1']))
    expect(visibleOwners(tree, 'merchantA', 'UNION')).toEqual(
      new Set(['dev', 'merchantA', 'merchantB', 'consumer1']),
    )
    expect(visibleOwners(tree, 'merchantA', 'ALL')).toEqual(new Set(tree.keys()))
  })

  it('treats UNION of a root as OWNED', () => {
    expect(visibleOwners(tree, 'issuer', 'UNION')).toEqual(visibleOwners(tree, 'issuer', 'OWNED'))
    expect(visibleOwners(tree, 'other', 'UNION')).toEqual(new Set(['other']))
  })

  it('nests each level inside the next', () => {
    for (const actor of tree.keys()) {
      const sets = LEVELS.map((level) => visibleOwners(tree, actor, level))
      for (let i = 1; i < sets.length; i++) {
        for (const owner of sets[i - 1]!) expect(sets[i]!.has(owner)).toBe(true)
      }
    }
  })

  it('sees nothing for an unknown actor', () => {
    expect(visibleOwners(tree, 'ghost', 'ALL')).toEqual(new Set())
  })

  it('spots a move that would make a cycle', () => {
    expect(moveWouldCreateCycle(tree, 'dev', 'consumer1')).toBe(true)
    expect(moveWouldCreateCycle(tree, 'dev', 'dev')).toBe(true)
    expect(moveWouldCreateCycle(tree, 'merchantB', 'dev2')).toBe(false)
  })
})
