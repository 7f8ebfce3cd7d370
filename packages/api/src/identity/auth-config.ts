/** Lifetimes and limits of authentication; the host may override each. */
export interface AuthConfig {
  /** A session unused for this long ends. */
  readonly sessionIdleMinutes: number
  /** A session ends this long after login, however much it is used. */
  readonly sessionMaxHours: number
  /** Failed logins for one account within the window before further tries are refused. */
  readonly loginMaxFailuresPerAccount: number
  /** Failed logins from one client address within the window before further tries are refused. */
  readonly loginMaxFailuresPerAddress: number
  /** The window failures are counted in, and how long a refusal lasts. */
  readonly loginWindowMinutes: number
  readonly passwordResetMinutes: number
  readonly invitationDays: number
  /**
   * The page an invitee opens to accept, given its token (the host's web console:
   * `https://…/accept?token=…`). Without it, the mail carries the token alone.
   */
  readonly invitationLink?: (token: string) => string
  /**
   * The page a person opens to choose a new password, given a reset token
   * (`https://…/reset-password?token=…`). Without it, the mail carries the token alone.
   */
  readonly passwordResetLink?: (token: string) => string
}

export const DEFAULT_AUTH_CONFIG: AuthConfig = {
  sessionIdleMinutes: 60 * 24,
  sessionMaxHours: 24 * 30,
  loginMaxFailuresPerAccount: 5,
  loginMaxFailuresPerAddress: 50,
  loginWindowMinutes: 15,
  passwordResetMinutes: 60,
  invitationDays: 7,
}
