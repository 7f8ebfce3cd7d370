import { isPermissionName, type PermissionDeclaration } from '@trellis/core'
import type { AnyRouter } from '@trpc/server'
import type { ProcedureMeta } from './meta.js'

export interface ProcedurePermission extends PermissionDeclaration<string> {
  /** The procedure's path, e.g. `system.info`. */
  readonly path: string
}

/** Every procedure of a router with the permission its meta declares (or undefined). */
function walkProcedures(router: AnyRouter) {
  return Object.entries(router._def.procedures as Record<string, { _def: { meta?: ProcedureMeta } }>).map(
    ([path, procedure]) => ({ path, meta: procedure._def.meta }),
  )
}

/**
 * The permission of every procedure, read from the router at run time. Throws, naming
 * each offender, if a procedure declares none or a malformed one: such a router must not start.
 */
export function listProcedurePermissions(router: AnyRouter): ProcedurePermission[] {
  const problems: string[] = []
  const permissions: ProcedurePermission[] = []
  for (const { path, meta } of walkProcedures(router)) {
    if (!meta?.permission) {
      problems.push(`${path}: declares no permission`)
    } else if (!isPermissionName(meta.permission)) {
      problems.push(`${path}: "${meta.permission}" is not a resource.action permission`)
    } else {
      permissions.push({ path, name: meta.permission, kind: meta.kind })
    }
  }
  if (problems.length > 0) {
    throw new Error(`Every procedure must declare exactly one permission:\n${problems.join('\n')}`)
  }
  return permissions
}

/** The distinct permissions a router declares, each once. */
export function declaredPermissions(router: AnyRouter): PermissionDeclaration<string>[] {
  const byName = new Map<string, PermissionDeclaration<string>>()
  for (const { name, kind } of listProcedurePermissions(router)) byName.set(name, { name, kind })
  return [...byName.values()]
}
