import {
  type AuthConfig,
  DEFAULT_AUTH_CONFIG,
  DEFAULT_WEBHOOK_DELIVERY,
  PRESET_NAMES,
  type WebhookDeliveryConfig,
} from '@trellis/api'
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
  /** `1`: on first start (an empty database), also build the preset's demo world and log its credentials once. */
  TRELLIS_PRESET_DEMO: optional(z.enum(['0', '1']).transform((value) => value === '1')).default(false),
  TRELLIS_DATA_DIR: optional(z.string()).default('.trellis/data'),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])).default('info'),
  /** `pretty`: readable lines; `json`: one JSON object a line. Unset: pretty on a terminal outside production. */
  TRELLIS_LOG_FORMAT: optional(z.enum(['pretty', 'json'])),
  /** `production` keeps logs JSON even on a terminal. */
  NODE_ENV: optional(z.string()),
  /** `/metrics`: `off` (404), `on` (for a caller holding `system.metrics`), `open` (anyone who reaches it). */
  TRELLIS_METRICS: optional(z.enum(['off', 'on', 'open'])).default('off'),
  /** Where mail goes: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`; unset: the log. */
  TRELLIS_SMTP_URL: optional(z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' })),
  /** The sender of every mail, `Trellis <noreply@example.com>`; needed with TRELLIS_SMTP_URL. */
  TRELLIS_MAIL_FROM: optional(z.string().min(3)),
  /** `1`: the log sender shows mails' reset and invitation tokens (development only). */
  TRELLIS_MAIL_LOG_TOKENS: optional(z.enum(['0', '1']).transform((value) => value === '1')).default(false),
  TRELLIS_ADMIN_EMAIL: optional(z.email()).default('admin@trellis.local'),
  TRELLIS_ADMIN_PASSWORD: optional(z.string().min(12, 'must be at least 12 characters')),
  TRELLIS_SHUTDOWN_TIMEOUT_MS: optional(z.coerce.number().int().min(0)).default(10_000),
  /** The most calls one HTTP batch may carry; a bigger batch is refused with 400. The SDK sends at most 10. */
  TRELLIS_MAX_BATCH_SIZE: optional(z.coerce.number().int().min(1).max(1000)).default(10),
  /** How long a sent mail's row (recipient, subject, never its body) stays in the outbox. */
  TRELLIS_OUTBOX_RETENTION_HOURS: optional(z.coerce.number().int().min(0)).default(24 * 7),
  /** Outgoing webhooks: the wait before the first retry of a failed delivery; each next one waits twice as long (up to an hour). */
  TRELLIS_WEBHOOK_BACKOFF_MS: optional(z.coerce.number().int().min(10).max(3_600_000)).default(
    DEFAULT_WEBHOOK_DELIVERY.backoffMs,
  ),
  /** Outgoing webhooks: attempts in all before a delivery is given up. */
  TRELLIS_WEBHOOK_MAX_ATTEMPTS: optional(z.coerce.number().int().min(1).max(100)).default(
    DEFAULT_WEBHOOK_DELIVERY.maxAttempts,
  ),
  /** Outgoing webhooks: how long one delivery request may take before it counts as failed. */
  TRELLIS_WEBHOOK_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(300_000)).default(
    DEFAULT_WEBHOOK_DELIVERY.timeoutMs,
  ),
  /** Other origins whose pages may call the API from a browser: exact origins, comma-separated; none when unset. */
  TRELLIS_CORS_ORIGINS: optional(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter((origin) => origin !== ''),
      )
      .refine(
        (origins) => origins.every(isExactOrigin),
        'must list exact origins such as https://app.example.com, comma-separated',
      ),
  ).default([]),
  /** Where browsers reach the server (`https://…` behind a TLS proxy): decides `Secure` cookies and the same origin. */
  TRELLIS_PUBLIC_URL: optional(z.url({ protocol: /^https?$/ })),
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

/** `https://app.example.com` or `http://127.0.0.1:5173`: a scheme, a host, maybe a port, nothing more. */
function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value
  } catch {
    return false
  }
}

export type ServerEnv = z.output<typeof EnvSchema>

/** Every variable the server reads (docs/configuration.md's table lists exactly these). */
export const SETTING_NAMES: readonly string[] = Object.keys(EnvSchema.shape)

/**
 * `TRELLIS_DEBUG=1` makes the `trellis` CLI show the stack of an unexpected failure. The
 * server does not read it, but it is no misspelling either: a server started with it set
 * does not warn.
 */
export const CLI_DEBUG_SETTING = 'TRELLIS_DEBUG'

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
  if (parsed.data.TRELLIS_PRESET_DEMO && !parsed.data.TRELLIS_PRESET) {
    throw new Error(
      "Invalid configuration:\n  TRELLIS_PRESET_DEMO: a demo world is a preset's: set TRELLIS_PRESET too",
    )
  }
  if (parsed.data.TRELLIS_SMTP_URL && !parsed.data.TRELLIS_MAIL_FROM) {
    throw new Error(
      'Invalid configuration:\n  TRELLIS_MAIL_FROM: mail sent over SMTP needs a sender: set TRELLIS_MAIL_FROM too',
    )
  }
  return parsed.data
}

/** The command line's flags as the settings they stand for: `--demo` is `TRELLIS_PRESET_DEMO=1`. */
export function withFlags(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  return argv.includes('--demo') ? { ...env, TRELLIS_PRESET_DEMO: '1' } : env
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

/** How outgoing webhooks are retried, from the environment. */
export function webhookDeliveryConfigOf(env: ServerEnv): WebhookDeliveryConfig {
  return {
    ...DEFAULT_WEBHOOK_DELIVERY,
    backoffMs: env.TRELLIS_WEBHOOK_BACKOFF_MS,
    maxAttempts: env.TRELLIS_WEBHOOK_MAX_ATTEMPTS,
    timeoutMs: env.TRELLIS_WEBHOOK_TIMEOUT_MS,
  }
}

/** A `TRELLIS_*` variable no setting reads, with the known name it most resembles. */
export interface UnknownSetting {
  readonly variable: string
  readonly suggestion: string | undefined
  readonly message: string
}

/**
 * The `TRELLIS_*` variables this server does not read: a misspelt setting
 * (`TRELLIS_PRSET=orb`) would otherwise be ignored without a word. Values are never
 * included, as a misspelt password variable holds a password.
 */
export function unknownSettings(env: Record<string, string | undefined> = process.env): UnknownSetting[] {
  const known = [...SETTING_NAMES.filter((name) => name.startsWith('TRELLIS_')), CLI_DEBUG_SETTING]
  return Object.keys(env)
    .filter((variable) => variable.startsWith('TRELLIS_') && !known.includes(variable))
    .sort()
    .map((variable) => {
      const suggestion = closestName(variable, known)
      return {
        variable,
        suggestion,
        message: suggestion
          ? `Unknown setting ${variable} is ignored: did you mean ${suggestion}?`
          : `Unknown setting ${variable} is ignored`,
      }
    })
}

/** The candidate fewest edits away, if close enough to be a slip (a quarter of its length). */
function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate)
    if (!best || distance < best.distance) best = { name: candidate, distance }
  }
  const suffix = name.length - 'TRELLIS_'.length
  return best && best.distance <= Math.max(2, Math.floor(suffix / 4)) ? best.name : undefined
}

/** Levenshtein distance, counting a swap of two neighbours as one edit (PRSET, PERSET). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1)
      }
    }
  }
  return rows[a.length]![b.length]!
}

/**
 * True when a package manager's script started the server (`pnpm start`): it then stops
 * with the wrappers around it (see stopWithWrapper).
 */
export function startedByPackageScript(env: Record<string, string | undefined> = process.env): boolean {
  return env.npm_lifecycle_event !== undefined
}
