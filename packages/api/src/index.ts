// @trellis/api: what a host needs to serve the API (the router, its context, start-up and
// mail), and the permission and error types clients share. Test support is under
// `@trellis/api/testing`, which is no stable API.
export { type AccessCacheCounts, accessCacheCounts } from './access/access-cache.js'

// For operator tools that work on the database directly (the server's `trellis` CLI): the
// same hashing, key format, session ending and audit rows as the procedures use.
export type { ApiKeyView } from './api-keys/api-key-view.js'
export { issueApiKey } from './api-keys/issue-api-key.js'
export { type AppRouter, appRouter } from './app-router.js'
export { DEMO_WORLD_WARNING } from './bootstrap/announce-demo-world.js'
export type { FirstAdminOutcome } from './bootstrap/ensure-first-admin.js'
export { insertAdministrator } from './bootstrap/ensure-first-admin.js'
export {
  lockPreparation,
  type PrepareDatabaseOptions,
  prepareDatabase,
} from './bootstrap/prepare-database.js'
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
export { clearAccountFailures } from './identity/attempt-throttle.js'
export { type AuthConfig, DEFAULT_AUTH_CONFIG } from './identity/auth-config.js'
export { revokeOneTimeTokens } from './identity/one-time-token.js'
export { hashPassword } from './identity/password-hash.js'
export { assertPasswordAllowed, PasswordInput } from './identity/password-policy.js'
export type { SessionCookie } from './identity/session-cookie.js'
export { endSessions } from './identity/sessions.js'
export { type Logger, silentLogger } from './logger.js'
export { countOutbox, deliverOutbox, type OutboxCounts, pruneOutbox } from './mail/deliver-outbox.js'
export { logMailSender } from './mail/log-mail-sender.js'
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
export { ADMIN_ROLE } from './roles/default-roles.js'
export type { CallOutcome, CallReport } from './trpc/call-report.js'
export { type ApiDependencies, type Context, createContext, type RequestFacts } from './trpc/context.js'
export type { ErrorData, InputIssue } from './trpc/error-formatter.js'
export { type AuditFacts, recordAuditEvent } from './trpc/record-audit-event.js'
export { TRELLIS_VERSION } from './version.js'
export {
  countWebhookDeliveries,
  type WebhookDeliveryCounts,
} from './webhooks/count-webhook-deliveries.js'
export { deliverWebhooks, pruneWebhookDeliveries } from './webhooks/deliver-webhooks.js'
export {
  DEFAULT_WEBHOOK_DELIVERY,
  retryDelayMs,
  type WebhookDeliveryConfig,
} from './webhooks/webhook-delivery-config.js'
export { WEBHOOK_EVENTS, type WebhookEvent } from './webhooks/webhook-events.js'
export type { WebhookPayload } from './webhooks/webhook-payload.js'
export { isWebhookSignatureValid, signWebhook, WEBHOOK_HEADERS } from './webhooks/webhook-signature.js'
