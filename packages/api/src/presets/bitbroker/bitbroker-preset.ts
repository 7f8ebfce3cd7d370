import { defineEntityTypes } from '@trellis/core'
import { defineRoles } from '../../permissions.js'
import { everyPermission, SIGN_IN_GRANTS } from '../../roles/standard-grants.js'
import type { Preset } from '../preset.js'
import { bitbrokerDemo } from './bitbroker-demo.js'

// BitBroker (seeds/bitbroker-users.md): coordinators define entity types and who may
// contribute; contributors write the data of one entity type each (a role binding scoped
// to `entityType:<name>`); consumers read. Entity types are the coordinators' to define,
// so the preset starts with none.
const entityTypes = defineEntityTypes({})

export const bitbrokerPreset: Preset = {
  name: 'bitbroker',
  description: 'BitBroker: coordinator, contributor (scoped to one entity type), consumer',
  entityTypes,
  adminRole: 'coordinator',
  demo: bitbrokerDemo,
  roles: defineRoles({
    // Reading yourself and changing your password are here, not in the roles: a
    // contributor's binding is scoped to its entity type, and a scoped binding's grants
    // apply to that type's records only. Both need a signed-in caller anyway.
    public: {
      description: 'Every caller',
      grants: { ...SIGN_IN_GRANTS, 'auth.changePassword': true, 'users.read': 'SELF' },
    },
    coordinator: {
      description: 'Defines entity types, users and who contributes; there is always at least one',
      protected: true,
      grants: everyPermission(entityTypes),
    },
    contributor: {
      description: 'Contributes the data of one entity type: bind it with scope entityType:<name>',
      grants: {
        'entityTypes.read': true,
        'records.read': 'OWNED',
        'records.create': 'OWNED',
        'records.update': 'OWNED',
        'records.delete': 'OWNED',
      },
    },
    consumer: {
      description: 'Reads the data of every entity type',
      grants: {
        'entityTypes.read': true,
        'records.read': 'ALL',
      },
    },
  }),
}
