// @trellis/api: what a host needs to serve the API (the router, its context, start-up and
// mail), and the permission and error types clients share. Test support is under
// `@trellis/api/testing`, which is no stable API.
export { type AppRouter, appRouter } from './app-router.js'
export { DEMO_WORLD_WARNING } from './bootstrap/announce-demo-world.js'
export type { FirstAdminOutcome } from './bootstrap/ensure-first-admin.js'
export { type PrepareDatabaseOptions, prepareDatabase } from './bootstrap/prepare-database.js'
export { PresetMismatchError } from './bootstrap/recorded-preset.js'
export {
  defineTransitionEffects,
  type EffectLookupOptions,
  type EffectRecordFilter,
  type EffectRecords,
  type RecordParty,
  type TransitionEffect,
  type TransitionEffectContext,
  type TransitionEffectHooks,
  type TransitionEffects,
  type TransitioningRecord,
} from './effects/transition-effects.js'
export { ERROR_REASONS, type TrellisErrorReason } from './errors/error-reasons.js'
export { type AuthConfig, DEFAULT_AUTH_CONFIG } from './identity/auth-config.js'
export type { SessionCookie } from './identity/session-cookie.js'
export { type Logger, silentLogger } from './logger.js'
export { deliverOutbox, logMailSender, pruneOutbox } from './mail/deliver-outbox.js'
export type { Mail, MailSender } from './mail/mail.js'
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
export { PolicyLimitError } from './policies/policy-errors.js'
export type { DemoCredential } from './presets/demo-world.js'
export type { Preset } from './presets/preset.js'
export { PRESET_NAMES, PRESETS, type PresetName } from './presets/presets.js'
export type { RecordView } from './records/record-view.js'
export { type ApiDependencies, type Context, createContext, type RequestFacts } from './trpc/context.js'
export type { ErrorData, InputIssue } from './trpc/error-formatter.js'
export { TRELLIS_VERSION } from './version.js'
