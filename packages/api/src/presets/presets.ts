import { bitbrokerPreset } from './bitbroker/bitbroker-preset.js'
import { bobsledPreset } from './bobsled/bobsled-preset.js'
import { orbPreset } from './orb/orb-preset.js'
import type { Preset } from './preset.js'

/** The three seeds as presets, by the name `TRELLIS_PRESET` takes. */
export const PRESETS = {
  bitbroker: bitbrokerPreset,
  bobsled: bobsledPreset,
  orb: orbPreset,
} as const satisfies Record<string, Preset>

export type PresetName = keyof typeof PRESETS
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[]
