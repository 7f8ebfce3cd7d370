export { AUDIT_OUTCOMES, type AuditOutcome } from './audit.js'
export {
  defineEntityTypes,
  ENTITY_TYPE_SCOPE_PATTERN,
  type EntityTypeDefinition,
  type EntityTypePermission,
  type EntityTypeScope,
  type EntityTypesConfig,
  entityTypeOfScope,
  entityTypePermissions,
  entityTypeScope,
  findEntityTypeProblems,
  type JsonSchema,
  MANAGE_PARTIES_ACTION,
  MAX_PARTIES_PER_RECORD,
  type PartiesDefinition,
  type PartyDefinition,
  partyActions,
  RECORD_ACTIONS,
  type RecordAction,
  type StateMachineDefinition,
  statesOf,
  type TransitionDefinition,
} from './entity-type.js'
export { broadestLevel, isLevel, LEVELS, type Level, levelIncludes, levelRank } from './level.js'
export {
  type EntityTypePermissionName,
  entityTypeGrants,
  entityTypePermission,
  isPermissionName,
  type PermissionDeclaration,
  type PermissionKind,
  type PermissionName,
} from './permission.js'
export {
  evaluatePolicyFilter,
  isNumericRange,
  maskPolicyFields,
  POLICY_NAME_PATTERN,
  POLICY_SCOPE_PATTERN,
  type PolicyComparison,
  type PolicyFilter,
  type PolicyRange,
  type PolicyScalar,
  type PolicyScope,
  policyComparisons,
  policyDateValue,
  policyFilterFields,
  policyFilterProblems,
  policyMaskProblems,
  policyOfScope,
  policyScope,
  RANGE_BOUNDS,
  type RangeBound,
} from './policy-filter.js'
export { POLICY_QUOTA_PERIODS, type PolicyLegalContext, type PolicyQuotaPeriod } from './policy-terms.js'
export {
  defineRoles,
  type Grant,
  type Grants,
  PUBLIC_ROLE,
  type RoleDefinition,
  type RolesConfig,
} from './role.js'
export { findRolesConfigProblems, ROLE_NAME_PATTERN } from './roles-config-validation.js'
export { USER_KINDS, USER_STATUSES, type UserKind, type UserStatus } from './user.js'
export { ancestorsOf, moveWouldCreateCycle, type ParentMap, subtreeOf, visibleOwners } from './user-tree.js'
