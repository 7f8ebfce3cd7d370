import { defineRoles } from '../../permissions.js'
import { everyPermission, SIGN_IN_GRANTS } from '../../roles/standard-grants.js'
import type { Preset } from '../preset.js'
import { orbDemo } from './orb-demo.js'
import { orbEffects } from './orb-effects.js'
import { orbEntityTypes as types } from './orb-entity-types.js'

// Orb DLT (seeds/orb-dlt-roles-and-permissions.txt), each seed permission as Trellis grants:
//   LOGIN, RECOVER_PASSWORD        auth.login, auth.requestPasswordReset/resetPassword
//   GET_SERVER_VERSIONS/METRICS    system.info, system.metrics
//   GET_SHOPS, GET_SHOP_INFO       shops.read (public, ALL: so every role has both)
//   GET_OWN_BALANCE                balances.read SELF (records.get/list)
//   GET_ECONOMY_BALANCE            records.aggregate({ entityType: 'balances', sum: ['amount'] }) at ALL (balances.read)
//   GET_OTHER_BALANCE              balances.read OWNED (the seed's prose): a merchant reads (and totals) its
//                                  own balance and its consumers'; the issuer, at ALL, everyone's
//   START_QR_CHARGE                charges.create + charges.start, SELF; the payer (owner) reads
//                                  its charges: charges.read SELF
//   EXECUTE/REVERSE_QR_PAYMENT     charges.execute / charges.reverse, SELF through the charge's
//                                  `merchant` party (the owner of its shop), with charges.read SELF:
//                                  a merchant acts on the charges of its own shops, not on every
//                                  charge its consumers start
//   GET_REPORTS_SELF/OWN/ALL       records.aggregate of charges (count, sum of amount, optionally per
//                                  day/week/month) under charges.read: the consumer's SELF (the charges
//                                  it pays), the merchant's SELF through its `merchant` party (the
//                                  charges it is a participant of, as the seed says), the issuer's ALL.
//                                  reports.read at SELF / OWNED / ALL stays, for the reports an issuer
//                                  writes by hand.
//   UPDATE_SHOP_SELF               shops.update SELF
//   GET_SELF_INFO                  users.read SELF; GET_USER_INFO, SEARCH_USERS: users.read ALL
//   ADD_USER                       users.create, invitations.*, users.assignRole (a user comes with a role)
//   DEACTIVATE_ANY_USER            users.deactivate ALL; UPDATE_USER_INFO: users.update ALL
//   CHANGE_PASSWORD                auth.changePassword
// The issuer holds every permission at ALL, beyond its seed list: it hands out the
// consumer and merchant roles, and no caller may hand out what it does not hold (docs/model.md
// §3, which wins over the seed). It also runs what the seed leaves to the Integration
// Layer: roles, entity types, shops, balances and reports.
export const orbPreset: Preset = {
  name: 'orb',
  description: 'Orb DLT: public, consumer, merchant, issuer',
  entityTypes: types,
  adminRole: 'issuer',
  effects: orbEffects,
  demo: orbDemo,
  roles: defineRoles(types, {
    public: {
      description: 'Every caller, signed in or not',
      grants: { ...SIGN_IN_GRANTS, 'system.metrics': true, 'shops.read': 'ALL' },
    },
    consumer: {
      description: 'Pays: starts QR charges',
      grants: {
        'balances.read': 'SELF',
        'charges.read': 'SELF',
        'charges.create': 'SELF',
        'charges.start': 'SELF',
        'reports.read': 'SELF',
        'auth.changePassword': true,
      },
    },
    merchant: {
      description: 'Sells: executes and reverses payments, keeps its shop up to date',
      grants: {
        'reports.read': 'OWNED',
        'balances.read': 'OWNED',
        'charges.read': 'SELF',
        'charges.execute': 'SELF',
        'charges.reverse': 'SELF',
        'shops.update': 'SELF',
        'users.read': 'SELF',
        'auth.changePassword': true,
      },
    },
    issuer: {
      description: 'Top of the hierarchy: runs the economy, its users and their roles',
      protected: true,
      grants: everyPermission(types),
    },
  }),
}
