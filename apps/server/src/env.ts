import { type AuthConfig, DEFAULT_AUTH_CONFIG, PRESET_NAMES } from '@trellis/api'
import { z } from 'zod'

// An empty variable means "not set", as in most shells' `FOO= cmd`.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional())

const EnvSchema = z.object({
  PORT: optional(z.coerce.number().int().min(0).max(65_535)).default(3000),
  HOST: optional(z.string()).default('127.0.0.1'),
  DATABASE_URL: optional(
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
  ),
  /** PostgreSQL only: how long start-up keeps retrying an unreachable database before giving up. */
  TRELLIS_DATABASE_WAIT_SECONDS: optional(z.coerce.number().int().min(0).max(3600)).default(30),
  /** PostgreSQL only: how long opening a connection may take before a call answers 503. */
  TRELLIS_DATABASE_CONNECT_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(600_000)).default(5000),
  /** PostgreSQL only: the schema Trellis keeps its tables in (created if missing); `public` when unset. */
  TRELLIS_DATABASE_SCHEMA: optional(
    z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier'),
  ),
  /** A ready-made role model to start with: `bitbroker`, `bobsled` or `orb`; Trellis's own admin/public roles when unset. */
  TRELLIS_PRESET: optional(z.enum(PRESET_NAMES)),
  TRELLIS_DATA_DIR: optional(z.string()).default('.trellis/data'),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])).default('info'),
  TRELLIS_ADMIN_EMAIL: optional(z.email()).default('admin@trellis.local'),
  TRELLIS_ADMIN_PASSWORD: optional(z.string().min(12, 'must be at least 12 characters')),
  TRELLIS_SHUTDOWN_TIMEOUT_MS: optional(z.coerce.number().int().min(0)).default(10_000),
  /** The most calls one HTTP batch may carry; a bigger batch is refused with 400. The SDK sends at most 10. */
  TRELLIS_MAX_BATCH_SIZE: optional(z.coerce.number().int().min(1).max(1000)).default(10),
  /** How long a sent mail's row (recipient, subject, never its body) stays in the outbox. */
  TRELLIS_OUTBOX_RETENTION_HOURS: optional(z.coerce.number().int().min(0)).default(24 * 7),
  TRELLIS_SESSION_IDLE_MINUTES: optional(z.coerce.number().int().min(1)).default(
    DEFAULT_AUTH_CONFIG.sessionIdleMinutes,
  ),
  TRELLIS_SESSION_MAX_HOURS: optional(z.coerce.number().int().min(1)).default(
    DEFAULT_AUTH_CONFIG.sessionMaxHours,
  ),
  TRELLIS_LOGIN_MAX_FAILURES: optional(z.coerce.number().int().min(1)).default(
    DEFAULT_AUTH_CONFIG.loginMaxFailuresPerAccount,
  ),
  TRELLIS_LOGIN_MAX_FAILURES_PER_ADDRESS: optional(z.coerce.number().int().min(1)).default(
    DEFAULT_AUTH_CONFIG.loginMaxFailuresPerAddress,
  ),
  TRELLIS_LOGIN_WINDOW_MINUTES: optional(z.coerce.number().int().min(1)).default(
    DEFAULT_AUTH_CONFIG.loginWindowMinutes,
  ),
})

export type ServerEnv = z.output<typeof EnvSchema>

/**
 * The one place that reads `process.env`: validates it and returns typed settings,
 * or throws an error listing every bad variable.
 */
export function readEnv(env: Record<string, string | undefined> = process.env): ServerEnv {
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}

/** The authentication settings the API takes, from the environment. */
export function authConfigOf(env: ServerEnv): AuthConfig {
  return {
    ...DEFAULT_AUTH_CONFIG,
    sessionIdleMinutes: env.TRELLIS_SESSION_IDLE_MINUTES,
    sessionMaxHours: env.TRELLIS_SESSION_MAX_HOURS,
    loginMaxFailuresPerAccount: env.TRELLIS_LOGIN_MAX_FAILURES,
    loginMaxFailuresPerAddress: env.TRELLIS_LOGIN_MAX_FAILURES_PER_ADDRESS,
    loginWindowMinutes: env.TRELLIS_LOGIN_WINDOW_MINUTES,
  }
}
