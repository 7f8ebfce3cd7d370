export { AccessCache, accessCacheOf } from './access/access-cache.js'
export type { AccessSnapshot, CallerFacts } from './access/access-snapshot.js'
export { combineGrants, effectiveGrant, type GrantSource, grantSources } from './access/effective-grant.js'
export { type AppRouter, appRouter } from './app-router.js'
export type { SessionCookie } from './auth/session-cookie.js'
export {
  ensureFirstAdmin,
  type FirstAdminOptions,
  type FirstAdminOutcome,
} from './bootstrap/ensure-first-admin.js'
export { type PrepareDatabaseOptions, prepareDatabase } from './bootstrap/prepare-database.js'
export { PresetMismatchError } from './bootstrap/recorded-preset.js'
export type { EntityTypeView } from './entity-types/entity-type-view.js'
export { ERROR_REASONS, type TrellisErrorReason } from './errors/error-reasons.js'
export { type AuthConfig, DEFAULT_AUTH_CONFIG } from './identity/auth-config.js'
export { hashPassword, verifyPassword } from './identity/password-hash.js'
export { deliverOutbox, logMailSender, pruneOutbox } from './mail/deliver-outbox.js'
export { enqueueMail, type Mail, type MailSender } from './mail/mail.js'
export {
  type AppGrants,
  type AppPermission,
  type AppRoleDefinition,
  type BooleanPermission,
  defineRoles,
  type GrantablePermission,
  type LeveledPermission,
  PERMISSIONS,
} from './permissions.js'
export { everyPermission, type Preset, SIGN_IN_GRANTS } from './presets/preset.js'
export { PRESET_NAMES, PRESETS, type PresetName } from './presets/presets.js'
export type { RecordView } from './records/record-view.js'
export { ADMIN_ROLE, DEFAULT_ROLES } from './roles/default-roles.js'
export { syncRoles } from './roles/sync-roles.js'
export { type ApiDependencies, type Context, createContext, type RequestFacts } from './trpc/context.js'
export type { ErrorData, InputIssue } from './trpc/error-formatter.js'
export { createCallerFactory } from './trpc/init.js'
export { type Logger, silentLogger } from './trpc/logger.js'
export type { ProcedureMeta } from './trpc/meta.js'
export {
  declaredPermissions,
  listProcedurePermissions,
  type ProcedurePermission,
} from './trpc/procedure-permissions.js'
export { TRELLIS_VERSION } from './version.js'
