import type { Migration } from 'kysely/migration'
import * as usersAndRoles from './0001-users-and-roles.js'
import * as userTreeAndRecords from './0002-user-tree-and-records.js'
import * as identity from './0003-identity.js'
import * as audit from './0004-audit.js'
import * as accessVersion from './0005-access-version.js'
import * as accessChangeNotify from './0006-access-change-notify.js'
import * as entityTypes from './0007-entity-types.js'
import * as recordReferences from './0008-record-references.js'
import * as settings from './0009-settings.js'
import * as recordOwnerPath from './0010-record-owner-path.js'
import * as entityTypesMoveAccessVersion from './0011-entity-types-move-access-version.js'
import * as usersNewestFirstIndexes from './0012-users-newest-first-indexes.js'
import * as recordParties from './0013-record-parties.js'
import * as invitationBindings from './0015-invitation-bindings.js'
import * as policies from './0016-policies.js'
import * as webhooks from './0017-webhooks.js'
import * as bindingScopeIndex from './0018-binding-scope-index.js'

/**
 * Every migration, in order. Numbered, forward only: a released migration is never
 * edited, a change is a new file. Imported statically so bundles and tests see the same list.
 */
export const migrations: Record<string, Migration> = {
  '0001-users-and-roles': usersAndRoles,
  '0002-user-tree-and-records': userTreeAndRecords,
  '0003-identity': identity,
  '0004-audit': audit,
  '0005-access-version': accessVersion,
  '0006-access-change-notify': accessChangeNotify,
  '0007-entity-types': entityTypes,
  '0008-record-references': recordReferences,
  '0009-settings': settings,
  '0010-record-owner-path': recordOwnerPath,
  '0011-entity-types-move-access-version': entityTypesMoveAccessVersion,
  '0012-users-newest-first-indexes': usersNewestFirstIndexes,
  '0013-record-parties': recordParties,
  '0015-invitation-bindings': invitationBindings,
  '0016-policies': policies,
  '0017-webhooks': webhooks,
  '0018-binding-scope-index': bindingScopeIndex,
}
