export {
  type Actor,
  type CountedParties,
  ownerWithinLevel,
  ownerWithinSubtree,
  reachedPath,
  recordPartyWithinLevel,
  recordWithinLevel,
  userWithinLevel,
  userWithinSubtree,
} from './access/level-filter.js'
export {
  PARTY_UNION_BELOW_USERS,
  PARTY_UNION_FROM_USERS,
  partiesPagedApart,
  RECORDS_WALK_FROM_USERS,
  recordsNewestFirst,
} from './access/newest-records.js'
export { USERS_WALK_FROM_USERS, usersNewestFirst, usersShaped } from './access/newest-users.js'
export { onLocalAccessChange } from './access-change-feed.js'
export { toCount } from './count.js'
export {
  createDatabase,
  type DatabaseConfig,
  type DatabaseDialect,
  dialectOf,
} from './create-database.js'
export { DATA_DIR_LOCK_FILE, DataDirInUseError, type DataDirLock, lockDataDir } from './data-dir-lock.js'
export { checkDatabase } from './database-health.js'
export {
  deleteEntityType,
  existingEntityTypeNames,
  findEntityType,
  findEntityTypeOfRecord,
  insertEntityType,
  loadEntityTypes,
  type StoredEntityType,
  selectEntityTypes,
  toStoredEntityType,
  updateEntityType,
} from './entity-types/entity-type-store.js'
export {
  addInvitationBindings,
  clearInvitationBindings,
  type InvitationBinding,
  invitationBindingsOf,
  setInvitationInviter,
} from './invitations/invitation-binding-store.js'
export { isDatabaseUnavailable } from './is-database-unavailable.js'
export { isUniqueViolation } from './is-unique-violation.js'
export { type MigrationOutcome, type MigrationState, migrateToLatest, migrationState } from './migrate.js'
export { migrations } from './migrations/index.js'
export { policyFilterCondition } from './policies/policy-filter-condition.js'
export {
  findPolicy,
  loadPolicies,
  type PolicyLegalContext,
  type StoredPolicy,
  type StoredPolicyType,
} from './policies/policy-store.js'
export { type PoolUsage, poolUsageOf } from './pool-usage.js'
export {
  bindRole,
  countRoleHolders,
  createRole,
  deleteGrantsOf,
  deleteRole,
  findBinding,
  findRole,
  findUserWithBindings,
  grantsOfRole,
  loadRoleGrants,
  loadRoles,
  lockRoleGrants,
  protectedRolesLeftWithoutHolder,
  type RoleBinding,
  type RoleRow,
  rolesOfUser,
  type StoredRole,
  setRoleGrant,
  unbindRole,
  unbindScope,
  updateRoleDescription,
} from './roles/role-store.js'
export type { RowLock } from './row-lock.js'
export type {
  ApiKeysTable,
  AuditEventsTable,
  AuditOutcome,
  Database,
  LoginFailuresTable,
  OneTimeTokenPurpose,
  OneTimeTokensTable,
  OutboxTable,
  PoliciesTable,
  PolicyQuotaPeriod,
  PolicyTypesTable,
  PolicyUsageTable,
  RecordPartiesTable,
  RecordsTable,
  RoleGrantsTable,
  RolesTable,
  SessionsTable,
  SettingsTable,
  TrellisDatabase,
  UserKind,
  UserRolesTable,
  UserStatus,
  UsersTable,
  WebhookDeliveriesTable,
  WebhookSubscribersTable,
} from './schema/database.js'
export { type DeleteUserOutcome, deleteUser } from './tree/delete-user.js'
export { insertUser, type NewUser } from './tree/insert-user.js'
export { lockUserTree } from './tree/lock-user-tree.js'
export { moveSubtree } from './tree/move-subtree.js'
export { ancestorPathsOf, childPath, isInSubtree, parentPathOf, subtreeRange } from './tree/user-path.js'
export { USER_TREE_ERRORS, UserTreeError, type UserTreeErrorCode } from './tree/user-tree-error.js'
export { withTransaction } from './with-transaction.js'
