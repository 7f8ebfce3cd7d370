import { describe, expect, it } from 'vitest'
import { defineRoles } from './role.js'
import { findRolesConfigProblems } from './roles-config-validation.js'

const declared = [
  { name: 'shops.read', kind: 'boolean' },
  { name: 'reports.read', kind: 'leveled' },
] as const

describe('findRolesConfigProblems', () => {
  it('accepts grants that match the declared permissions', () => {
    const roles = defineRoles<'shops.read' | 'reports.read'>({
      public: { grants: { 'shops.read': true } },
      merchant: { grants: { 'reports.read': 'OWNED' } },
    })
    expect(findRolesConfigProblems(roles, declared)).toEqual([])
  })

  it('names each unknown permission, wrong grant kind and bad role name', () => {
    const problems = findRolesConfigProblems(
      {
        consumer: { grants: { 'shops.raed': true, 'reports.read': true } },
        'Bad Name': { grants: { 'shops.read': 'ALL' } },
      },
      declared,
    )
    expect(problems).toEqual([
      'Role "consumer": unknown permission "shops.raed"',
      'Role "consumer": "reports.read" is leveled, grant it with SELF, OWNED, UNION or ALL',
      'Role "Bad Name": a role name is lowercase letters, digits, "-" or "_"',
      'Role "Bad Name": "shops.read" is boolean, grant it with true',
    ])
  })

  it('takes no Object.prototype key for a declared permission (regression guard: names are looked up in a Map)', () => {
    const grants = JSON.parse('{"constructor": true, "toString": "ALL", "__proto__": true, "valueOf": true}')
    expect(findRolesConfigProblems({ constructor: { grants } }, declared)).toEqual([
      'Role "constructor": unknown permission "constructor"',
      'Role "constructor": unknown permission "toString"',
      'Role "constructor": unknown permission "__proto__"',
      'Role "constructor": unknown permission "valueOf"',
    ])
  })

  it('rejects a misspelt permission at compile time', () => {
    const roles = defineRoles<'shops.read'>({
      // @ts-expect-error "shops.raed" is not a declared permission
      public: { grants: { 'shops.raed': true } },
    })
    expect(findRolesConfigProblems(roles, declared)).toHaveLength(1)
  })
})
