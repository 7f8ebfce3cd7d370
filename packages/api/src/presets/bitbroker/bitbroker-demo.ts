import { defineEntityTypes } from '@trellis/core'
import type { PresetDemo } from '../demo-world.js'

// BitBroker ships no entity types; the demo defines one, as a coordinator would, with a
// contributor bound to it and a consumer reading it.
export const bitbrokerDemo: PresetDemo = {
  entityTypes: defineEntityTypes({
    sensors: {
      description: 'Demo: readings of environmental sensors',
      schema: {
        type: 'object',
        properties: { site: { type: 'string', maxLength: 100 }, celsius: { type: 'number' } },
        required: ['site'],
      },
    },
  }),
  users: [
    { name: 'contributor', role: 'contributor', scope: 'entityType:sensors' },
    { name: 'consumer', role: 'consumer' },
  ],
  records: [
    { entityType: 'sensors', owner: 'contributor', data: { site: 'Rooftop', celsius: 18.5 } },
    { entityType: 'sensors', owner: 'contributor', data: { site: 'Basement', celsius: 12 } },
    { entityType: 'sensors', owner: 'admin', data: { site: 'Lobby', celsius: 21 } },
  ],
}
