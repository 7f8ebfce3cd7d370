import type { Logger } from '../logger.js'
import type { DemoCredential } from '../presets/demo-world.js'

export const DEMO_WORLD_WARNING =
  'DEMO CREDENTIALS: a demo world was created (TRELLIS_PRESET_DEMO). Anyone who reads this log can sign in ' +
  'as these users: use it to try Trellis out, never with real data. They are not shown again.'

/**
 * Logs the demo users' sign-ins, once, at `warn` so it stands out: the one time these
 * passwords exist in clear. One line, `demoUsers` listing email, password, role and scope.
 */
export function announceDemoWorld(demoUsers: readonly DemoCredential[], logger: Logger): void {
  logger.warn({ demoUsers }, DEMO_WORLD_WARNING)
}
