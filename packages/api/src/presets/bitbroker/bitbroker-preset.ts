import { defineEntityTypes } from '@trellis/core'
import { defineRoles } from '../../permissions.js'
import { everyPermission, SIGN_IN_GRANTS } from '../../roles/standard-grants.js'
import type { Preset } from '../preset.js'
import { bitbrokerDemo } from './bitbroker-demo.js'

// BitBroker (seeds/bitbroker-users.md): coordinators define entity types and who may
// contribute; contributors write the data of one entity type each (a role binding scoped
// to `entityType:<name>`); consumers read only through data-access policies (a binding
// scoped to `policy:<name>`: docs/policies.md). Entity types and policies are the
// coordinators' to define, so the preset starts with none.
const entityTypes = defineEntityTypes({})

export const bitbrokerPreset: Preset = {
  name: 'bitbroker',
  description: 'BitBroker: coordinator, contributor (scoped to one entity type), consumer',
  entityTypes,
  adminRole: 'coordinator',
  demo: bitbrokerDemo,
  roles: defineRoles({
    // Reading yourself, changing your password and seeing the policies you hold are here,
    // not in the roles: a contributor's binding is scoped to its entity type and a
    // consumer's to a policy, and a scoped binding's grants apply within its scope only.
    // All three need a signed-in caller, and show the caller only its own.
    public: {
      description: 'Every caller',
      grants: {
        ...SIGN_IN_GRANTS,
        'auth.changePassword': true,
        'users.read': 'SELF',
        'policies.mine': true,
      },
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
    // Bound scoped to a policy, its grant applies only to reads naming that policy, which
    // narrows it to the policy's types, filter and masks: without `policy` it reads nothing.
    consumer: {
      description: 'Reads through a data-access policy: bind it with scope policy:<name>',
      grants: { 'records.read': 'ALL' },
    },
  }),
}
