import { describe, expect, it } from 'vitest'
import { appRouter } from './app-router.js'
import { defineRoles, PERMISSIONS } from './permissions.js'
import { declaredPermissions } from './trpc/procedure-permissions.js'

describe('the permissions catalogue', () => {
  it('is exactly what the router declares, kinds included', () => {
    const declared = Object.fromEntries(declaredPermissions(appRouter).map(({ name, kind }) => [name, kind]))
    expect(declared).toEqual(PERMISSIONS)
  })

  it('types role grants: misspelt permissions and wrong grant kinds do not compile', () => {
    const roles = defineRoles({
      public: { grants: { 'auth.login': true } },
      // @ts-expect-error "users.raed" is not a permission
      typo: { grants: { 'users.raed': 'ALL' } },
      // @ts-expect-error a boolean permission takes true, not a level
      wrongKind: { grants: { 'system.info': 'ALL' } },
      // @ts-expect-error a leveled permission takes a level, not true
      noLevel: { grants: { 'users.read': true } },
    })
    expect(Object.keys(roles)).toEqual(['public', 'typo', 'wrongKind', 'noLevel'])
  })
})
