import type { EntityTypesConfig, RolesConfig } from '@trellis/core'

/** A ready-made role model: what `TRELLIS_PRESET` starts a server with. */
export interface Preset {
  readonly name: string
  readonly description: string
  readonly entityTypes: EntityTypesConfig
  readonly roles: RolesConfig
  /** The protected role the first administrator gets. */
  readonly adminRole: string
}
