import { describe, expect, it } from 'vitest'
import { matrixRows } from './role-matrix'

describe('matrixRows', () => {
  it('lists every granted or declared permission once, sorted, with its kind read off the grants', () => {
    const rows = matrixRows(
      [{ grants: { 'users.read': 'OWNED', 'auth.me': true } }, { grants: { 'users.read': 'ALL' } }],
      ['cars.read', 'cars.create'],
    )
    expect(rows).toEqual([
      { permission: 'auth.me', kind: 'boolean' },
      { permission: 'cars.create', kind: 'leveled' },
      { permission: 'cars.read', kind: 'leveled' },
      { permission: 'users.read', kind: 'leveled' },
    ])
  })

  // An entity type's permission nobody holds yet still gets a level selector, not a checkbox.
  it('takes an entity type permission as leveled even before any role grants it', () => {
    expect(matrixRows([], ['shares.archive'])).toEqual([{ permission: 'shares.archive', kind: 'leveled' }])
  })
})
