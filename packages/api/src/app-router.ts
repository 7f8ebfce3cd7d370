import { accessRouter } from './access-queries/access-router.js'
import { apiKeysRouter } from './api-keys/api-keys-router.js'
import { auditRouter } from './audit/audit-router.js'
import { authRouter } from './auth/auth-router.js'
import { entityTypesRouter } from './entity-types/entity-types-router.js'
import { invitationsRouter } from './invitations/invitations-router.js'
import { policiesRouter } from './policies/policies-router.js'
import { recordsRouter } from './records/records-router.js'
import { rolesRouter } from './roles/roles-router.js'
import { systemRouter } from './system/system-router.js'
import { router } from './trpc/init.js'
import { usersRouter } from './users/users-router.js'
import { webhooksRouter } from './webhooks/webhooks-router.js'

/** The whole Trellis API, one router per resource. */
export const appRouter = router({
  access: accessRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  auth: authRouter,
  entityTypes: entityTypesRouter,
  invitations: invitationsRouter,
  policies: policiesRouter,
  records: recordsRouter,
  roles: rolesRouter,
  system: systemRouter,
  users: usersRouter,
  webhookSubscribers: webhooksRouter,
})

/** The router's type: all a client needs. The SDK imports only this. */
export type AppRouter = typeof appRouter
