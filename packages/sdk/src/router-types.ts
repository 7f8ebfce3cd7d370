import type { AppRouter } from '@trellis/api'
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'

// Only the router's *type* crosses from the server: `import type` is erased, so no
// server code reaches a client bundle.
export type { AppRouter }

/** Input of every procedure, e.g. `RouterInputs['system']['ping']`. */
export type RouterInputs = inferRouterInputs<AppRouter>

/** Output of every procedure, e.g. `RouterOutputs['system']['info']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>
