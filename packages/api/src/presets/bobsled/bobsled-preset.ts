import { defineRoles } from '../../permissions.js'
import { everyPermission, SIGN_IN_GRANTS } from '../../roles/standard-grants.js'
import type { Preset } from '../preset.js'
import { bobsledDemo } from './bobsled-demo.js'
import { bobsledEntityTypes as types } from './bobsled-entity-types.js'

const everything = everyPermission(types)

// "Member: similar permissions to the Owner role, except they cannot do User Management".
// Defining entity types, roles and data-access policies is the system's own
// administration: the Owner's too.
// "Create, manage and delete SA" is `users.manageServices`, kept: it reaches service
// accounts only (users of kind service), never a person.
const {
  'users.create': _create,
  'users.update': _update,
  'users.move': _move,
  'users.delete': _delete,
  'users.deactivate': _deactivate,
  'users.reactivate': _reactivate,
  'users.assignRole': _assignRole,
  'users.unassignRole': _unassignRole,
  'invitations.create': _invite,
  'invitations.read': _invitations,
  'invitations.revoke': _revokeInvitation,
  'roles.create': _createRole,
  'roles.update': _updateRole,
  'roles.delete': _deleteRole,
  'entityTypes.create': _createType,
  'entityTypes.update': _updateType,
  'entityTypes.delete': _deleteType,
  'policies.create': _createPolicy,
  'policies.update': _updatePolicy,
  'policies.delete': _deletePolicy,
  ...memberGrants
} = everything

const signedIn = { 'auth.changePassword': true, 'entityTypes.read': true } as const

// Each grant below is a row of seeds/bobsled-users-and-roles.txt; the replay test
// (apps/server/src/presets/bobsled) holds the table itself.
export const bobsledPreset: Preset = {
  name: 'bobsled',
  description: 'Bobsled: Owner, Member, Fulfillment, Integrator, Consumer, Viewer',
  entityTypes: types,
  adminRole: 'owner',
  demo: bobsledDemo,
  roles: defineRoles(types, {
    public: { description: 'Every caller', grants: SIGN_IN_GRANTS },
    owner: {
      description: 'Administrator account: may do everything',
      protected: true,
      grants: everything,
    },
    member: {
      description: 'Like the Owner, without user management',
      grants: memberGrants,
    },
    fulfillment: {
      description: 'Grants customers access: shares, transfers and destinations',
      grants: {
        ...signedIn,
        'consumerOrganizations.read': 'ALL',
        'consumerOrganizations.create': 'ALL',
        'consumerOrganizations.update': 'ALL',
        'consumerOrganizations.delete': 'ALL',
        'dataSources.read': 'ALL',
        'shares.read': 'ALL',
        'shares.create': 'ALL',
        'shares.archive': 'ALL',
        'shares.delete': 'ALL',
        'shares.update': 'ALL',
        'shares.setDestination': 'ALL',
        'destinations.read': 'ALL',
        'destinations.create': 'ALL',
        'destinations.update': 'ALL',
        'destinations.delete': 'ALL',
        'transfers.read': 'ALL',
        'transfers.create': 'ALL',
        'transfers.update': 'ALL',
        'transfers.delete': 'ALL',
        'transfers.pause': 'ALL',
        'transfers.resume': 'ALL',
      },
    },
    integrator: {
      description: 'Manages the sources of shares, not the shares',
      grants: {
        ...signedIn,
        'consumerOrganizations.read': 'ALL',
        'dataSources.read': 'ALL',
        'dataSources.create': 'ALL',
        'dataSources.update': 'ALL',
        'dataSources.delete': 'ALL',
        'transfers.read': 'ALL',
        'environmentMetadata.read': 'ALL',
        'sourceSetupMetadata.read': 'ALL',
      },
    },
    consumer: {
      description: 'Sees what was shared with it; may set a destination on a share that has none',
      grants: {
        ...signedIn,
        'shares.read': 'SELF',
        'shares.setDestination': 'SELF',
        'destinations.read': 'SELF',
        'destinations.create': 'SELF',
        'transfers.read': 'SELF',
      },
    },
    viewer: {
      description: 'Read-only access to sources, transfers and other resources',
      grants: {
        ...signedIn,
        'consumerOrganizations.read': 'ALL',
        'dataSources.read': 'ALL',
        'shares.read': 'ALL',
        'destinations.read': 'ALL',
        'transfers.read': 'ALL',
        'environmentMetadata.read': 'ALL',
        'sourceSetupMetadata.read': 'ALL',
      },
    },
  }),
}
