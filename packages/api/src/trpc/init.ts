import { initTRPC } from '@trpc/server'
import { authorizeBoolean, authorizeLeveled } from '../access/authorize.js'
import { type Context, dependenciesOf } from './context.js'
import { formatError } from './error-formatter.js'
import type { ProcedureMeta } from './meta.js'

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({ errorFormatter: ({ shape, error }) => formatError(shape, error), isDev: false })

// Procedures see `ctx.db`, `ctx.logger`, ... typed; the router's exported type does not.
const baseProcedure = t.procedure.use(({ ctx, next }) =>
  next({
    ctx: {
      ...dependenciesOf(ctx),
      requestId: ctx.requestId,
      clientAddress: ctx.clientAddress,
      callerId: ctx.callerId,
    },
  }),
)

// Only these builders leave this file: every procedure is made through one that
// declares its permission and checks it, so none can be added without a gate.
export const router = t.router
export const createCallerFactory = t.createCallerFactory

/** A procedure gated by a boolean permission (allowed or not). */
export function booleanProcedure(permission: string) {
  return baseProcedure.meta({ permission, kind: 'boolean' }).use(async ({ ctx, next }) => {
    await authorizeBoolean(ctx.db, ctx.callerId, permission)
    return next()
  })
}

/**
 * A procedure gated by a leveled permission. It receives `ctx.actor` and `ctx.level` and
 * filters with them (`ownerWithinLevel`); it never decides access itself.
 */
export function leveledProcedure(permission: string) {
  return baseProcedure.meta({ permission, kind: 'leveled' }).use(async ({ ctx, next }) => {
    const { actor, level } = await authorizeLeveled(ctx.db, ctx.callerId, permission)
    return next({ ctx: { actor, level } })
  })
}
