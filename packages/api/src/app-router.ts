import { systemRouter } from './routers/system-router.js'
import { router } from './trpc/init.js'

/** The whole Trellis API, one router per resource. */
export const appRouter = router({
  system: systemRouter,
})

/** The router's type: all a client needs. The SDK imports only this. */
export type AppRouter = typeof appRouter
