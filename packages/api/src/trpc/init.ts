import { initTRPC } from '@trpc/server'
import { unauthorized } from '../access/access-errors.js'
import { authorizeBoolean, authorizeLeveled } from '../access/authorize.js'
import { resolveCaller } from '../identity/resolve-caller.js'
import type { BooleanPermission, LeveledPermission } from '../permissions.js'
import { type Context, dependenciesOf } from './context.js'
import { formatError } from './error-formatter.js'
import type { ProcedureMeta } from './meta.js'

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({ errorFormatter: ({ shape, error }) => formatError(shape, error), isDev: false })

// Procedures see `ctx.db`, `ctx.logger`, ... typed; the router's exported type does not.
// The caller is resolved here, once per call: a bad credential fails every procedure.
const baseProcedure = t.procedure.use(async ({ ctx, next }) => {
  const dependencies = dependenciesOf(ctx)
  let callerId: string | null = ctx.callerId ?? null
  let sessionId: string | null = null
  if (ctx.callerId === undefined) {
    const caller = await resolveCaller(dependencies.db, ctx.authorization, dependencies.auth)
    if (caller.kind === 'invalid') throw unauthorized()
    if (caller.kind === 'session') sessionId = caller.sessionId
    if (caller.kind !== 'anonymous') callerId = caller.userId
  }
  return next({
    ctx: { ...dependencies, requestId: ctx.requestId, clientAddress: ctx.clientAddress, callerId, sessionId },
  })
})

// Only these builders leave this file: every procedure is made through one that
// declares its permission and checks it, so none can be added without a gate.
export const router = t.router
export const createCallerFactory = t.createCallerFactory

/** A procedure gated by a boolean permission (allowed or not). */
export function booleanProcedure(permission: BooleanPermission) {
  return baseProcedure.meta({ permission, kind: 'boolean' }).use(async ({ ctx, next }) => {
    await authorizeBoolean(ctx.db, ctx.callerId, permission)
    return next()
  })
}

/** A boolean-gated procedure that also needs a signed-in caller (its own session, password, ...). */
export function authenticatedProcedure(permission: BooleanPermission) {
  return booleanProcedure(permission).use(({ ctx, next }) => {
    if (ctx.callerId === null) throw unauthorized()
    return next({ ctx: { callerId: ctx.callerId } })
  })
}

/**
 * A procedure gated by a leveled permission. It receives `ctx.actor` and `ctx.level` and
 * filters with them (`ownerWithinLevel`); it never decides access itself.
 */
export function leveledProcedure(permission: LeveledPermission) {
  return baseProcedure.meta({ permission, kind: 'leveled' }).use(async ({ ctx, next }) => {
    const { actor, level } = await authorizeLeveled(ctx.db, ctx.callerId, permission)
    return next({ ctx: { actor, level } })
  })
}
