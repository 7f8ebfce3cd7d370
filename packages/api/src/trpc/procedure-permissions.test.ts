import { initTRPC } from '@trpc/server'
import { describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import type { ProcedureMeta } from './meta.js'
import { declaredPermissions, listProcedurePermissions } from './procedure-permissions.js'

describe('procedure permissions', () => {
  it('are declared by every procedure of the app router', () => {
    const procedures = Object.keys(appRouter._def.procedures)
    const listed = listProcedurePermissions(appRouter)
    expect(listed.map((entry) => entry.path).sort()).toEqual(procedures.sort())
    expect(listed).toContainEqual({ path: 'system.info', name: 'system.info', kind: 'boolean' })
  })

  it('list each permission once', () => {
    const names = declaredPermissions(appRouter).map((permission) => permission.name)
    expect(new Set(names).size).toBe(names.length)
  })

  it('refuse a router in which a procedure declares none, naming it', () => {
    const t = initTRPC.meta<ProcedureMeta>().create()
    const broken = t.router({
      fine: t.procedure.meta({ permission: 'things.read', kind: 'boolean' }).query(() => 1),
      forgotten: t.procedure.query(() => 2),
      malformed: t.procedure.meta({ permission: 'read-things', kind: 'boolean' }).query(() => 3),
    })
    expect(() => listProcedurePermissions(broken)).toThrow(
      'Every procedure must declare exactly one permission:\n' +
        'forgotten: declares no permission\n' +
        'malformed: "read-things" is not a resource.action permission',
    )
  })
})
