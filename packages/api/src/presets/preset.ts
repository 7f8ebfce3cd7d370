import type { EntityTypesConfig, RolesConfig } from '@trellis/core'
import type { TransitionEffects } from '../effects/transition-effects.js'
import type { PresetDemo } from './demo-world.js'

/** A ready-made role model: what `TRELLIS_PRESET` starts a server with. */
export interface Preset {
  readonly name: string
  readonly description: string
  readonly entityTypes: EntityTypesConfig
  readonly roles: RolesConfig
  /** The protected role the first administrator gets. */
  readonly adminRole: string
  /** What its transitions do besides moving the record; the host passes them to the API. */
  readonly effects?: TransitionEffects
  /** The small world `TRELLIS_PRESET_DEMO=1` builds on first start: a user per role, a few records. */
  readonly demo?: PresetDemo
}
