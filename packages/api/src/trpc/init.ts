import { initTRPC } from '@trpc/server'
import { type Context, dependenciesOf } from './context.js'
import { formatError } from './error-formatter.js'
import type { ProcedureMeta } from './meta.js'

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({ errorFormatter: ({ shape, error }) => formatError(shape, error), isDev: false })

// Procedures see `ctx.db`, `ctx.logger`, ... typed; the router's exported type does not.
const baseProcedure = t.procedure.use(({ ctx, next }) =>
  next({ ctx: { ...dependenciesOf(ctx), requestId: ctx.requestId, clientAddress: ctx.clientAddress } }),
)

// Only these builders leave this file: every procedure is made through one that
// declares its permission, so none can be added without one.
export const router = t.router
export const createCallerFactory = t.createCallerFactory

/** A procedure gated by a boolean permission (allowed or not). */
export function booleanProcedure(permission: string) {
  return baseProcedure.meta({ permission, kind: 'boolean' })
}

/** A procedure gated by a leveled permission (allowed at SELF, OWNED, UNION or ALL). */
export function leveledProcedure(permission: string) {
  return baseProcedure.meta({ permission, kind: 'leveled' })
}
