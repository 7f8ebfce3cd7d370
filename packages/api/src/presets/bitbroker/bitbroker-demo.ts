import { defineEntityTypes } from '@trellis/core'
import type { PresetDemo } from '../demo-world.js'

/** The demo's partner feed: the worked example of docs/policies.md. */
export const DEMO_POLICY = 'partnerFeed'

// BitBroker ships no entity types; the demo defines one, as a coordinator would, with a
// contributor bound to it and a consumer reading it through a policy: the sensors of one
// region, without the operator's email, 1,000 calls a day, under stated terms.
export const bitbrokerDemo: PresetDemo = {
  entityTypes: defineEntityTypes({
    sensors: {
      description: 'Demo: readings of environmental sensors',
      schema: {
        type: 'object',
        properties: {
          site: { type: 'string', maxLength: 100 },
          region: { type: 'string', maxLength: 50 },
          celsius: { type: 'number' },
          operatorEmail: { type: 'string', maxLength: 200 },
        },
        required: ['site'],
      },
    },
  }),
  policies: [
    {
      name: DEMO_POLICY,
      description: 'Demo: a partner reads the sensors of the north, without who operates them',
      types: { sensors: { filter: { field: 'region', eq: 'north' }, masks: ['operatorEmail'] } },
      quota: { calls: 1000, period: 'day' },
      legal: {
        attribution: 'Sensor data © Demo City',
        licence: 'CC BY 4.0',
        contact: 'data@demo.trellis.local',
        notes: [{ text: 'Licence text', link: 'https://creativecommons.org/licenses/by/4.0/' }],
      },
    },
  ],
  users: [
    { name: 'contributor', role: 'contributor', scope: 'entityType:sensors' },
    { name: 'consumer', role: 'consumer', scope: `policy:${DEMO_POLICY}` },
  ],
  records: [
    {
      entityType: 'sensors',
      owner: 'contributor',
      data: { site: 'Rooftop', region: 'north', celsius: 18.5, operatorEmail: 'ana@demo.trellis.local' },
    },
    {
      entityType: 'sensors',
      owner: 'contributor',
      data: { site: 'Basement', region: 'north', celsius: 12, operatorEmail: 'ben@demo.trellis.local' },
    },
    { entityType: 'sensors', owner: 'admin', data: { site: 'Lobby', region: 'south', celsius: 21 } },
  ],
}
