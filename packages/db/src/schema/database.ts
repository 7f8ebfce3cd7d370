import type { AuditOutcome, Level, PolicyQuotaPeriod, UserKind, UserStatus } from '@trellis/core'
import type { ColumnType, Generated, Kysely } from 'kysely'

export type { AuditOutcome, PolicyQuotaPeriod, UserKind, UserStatus }

/** Set by the database on insert (a test or an import may give one), never updated. */
type CreatedAt = ColumnType<Date, Date | undefined, never>
/** Set on insert; every update sets it again. */
type UpdatedAt = ColumnType<Date, Date | undefined, Date>

export interface UsersTable {
  id: Generated<string>
  email: string
  display_name: Generated<string>
  kind: UserKind
  status: UserStatus
  parent_id: string | null
  /** Small integer key of the user in tree paths. */
  node: ColumnType<string, string | undefined, never>
  /** Materialised path of nodes from the root, e.g. `/1/57/923/`; kept by the tree functions. */
  path: string
  password_hash: string | null
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface RolesTable {
  id: Generated<string>
  name: string
  description: Generated<string>
  is_protected: Generated<boolean>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface RoleGrantsTable {
  role_id: string
  permission: string
  /** `null` for a boolean grant, otherwise the level of a leveled one. */
  level: Level | null
}

export interface UserRolesTable {
  id: Generated<string>
  user_id: string
  role_id: string
  /** A resource the binding is limited to (for example an entity type), or `null` for all. */
  scope: string | null
  created_at: CreatedAt
}

/** A role binding an invitation carries, made when the invited user accepts. */
export interface InvitationBindingsTable {
  id: Generated<string>
  user_id: string
  role_id: string
  scope: string | null
  /** The user whose right to give the binding is checked again at acceptance. */
  invited_by: string | null
  created_at: CreatedAt
}

export interface EntityTypesTable {
  id: Generated<string>
  name: string
  description: Generated<string>
  /** A JSON Schema for the data of this type's records. */
  schema: unknown
  /** `{ initial, transitions }`, or null for a type without states. */
  state_machine: unknown | null
  /** `{ field: entityTypeName }`: data fields holding another record's id, or null. */
  data_references: unknown | null
  /** `{ party: { from, actions?, reaches? } }`: users the records involve besides their owner, or null. */
  parties: unknown | null
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface RecordsTable {
  id: Generated<string>
  entity_type_id: string
  owner_id: string
  /** The owner's `users.path`, kept by the database (migration 0010): never written by hand. */
  owner_path: ColumnType<string, never, never>
  /** The record's state, for types with a state machine; null otherwise. */
  status: string | null
  data: Generated<unknown>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

/** A user a record involves under a party name (migration 0013). */
export interface RecordPartiesTable {
  record_id: string
  party: string
  user_id: string
  /** The party user's `users.path`, kept by the database: never written by hand. */
  user_path: ColumnType<string, never, never>
  created_at: CreatedAt
}

export interface SessionsTable {
  id: Generated<string>
  user_id: string
  /** SHA-256 of the opaque token; the token itself is never stored. */
  token_hash: string
  created_at: CreatedAt
  last_used_at: ColumnType<Date, Date | undefined, Date>
  expires_at: Date
  client_address: string | null
}

export interface ApiKeysTable {
  id: Generated<string>
  user_id: string
  name: Generated<string>
  /** Public part of the key, used to find it. */
  prefix: string
  /** SHA-256 of the secret part. */
  secret_hash: string
  created_at: CreatedAt
  last_used_at: Date | null
  revoked_at: Date | null
}

export type OneTimeTokenPurpose = 'password_reset' | 'invitation'

export interface OneTimeTokensTable {
  id: Generated<string>
  user_id: string
  purpose: OneTimeTokenPurpose
  token_hash: string
  created_at: CreatedAt
  expires_at: Date
  used_at: Date | null
  revoked_at: Date | null
}

export interface OutboxTable {
  id: Generated<string>
  recipient: string
  subject: string
  body: string
  created_at: CreatedAt
  sent_at: Date | null
  attempts: Generated<number>
}

export interface LoginFailuresTable {
  id: Generated<string>
  /** `email:<address>` or `ip:<address>`. */
  subject: string
  failed_at: CreatedAt
}

export interface AuditEventsTable {
  id: Generated<string>
  occurred_at: CreatedAt
  actor_id: string | null
  /** Who may read the event, through the level filter: the actor, or its heir. */
  owner_id: string | null
  permission: string
  procedure: string
  target_id: string | null
  outcome: AuditOutcome
  error_code: string | null
  request_id: string
  client_address: string | null
  /** The policy a read was served through (migration 0016); null for every other call. */
  policy: ColumnType<string | null, string | null | undefined, never>
}

/** A data-access policy (migration 0016, docs/policies.md). */
export interface PoliciesTable {
  id: Generated<string>
  name: string
  description: Generated<string>
  enabled: Generated<boolean>
  /** Calls a consumer may make through the policy per `quota_period`; null: no quota. */
  quota_calls: number | null
  quota_period: PolicyQuotaPeriod | null
  /** Calls a consumer may make through the policy per second; null: no rate limit. */
  rate_per_second: number | null
  /** The terms the data is given under: `{ attribution, licence, contact, notes }`. */
  legal: Generated<unknown>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

/** One entity type of a policy's data segment: its record filter and masked fields. */
export interface PolicyTypesTable {
  policy_id: string
  entity_type_id: string
  /** A `PolicyFilter` (@trellis/core) as JSON, or null: every record of the type. */
  filter: unknown | null
  masks: ColumnType<string[], string[] | undefined, string[]>
}

/** Calls one consumer made through one policy in the current window of one meter. */
export interface PolicyUsageTable {
  policy_id: string
  user_id: string
  meter: 'quota' | 'rate'
  window_start: Date
  calls: number
}

/** A URL an administrator registered to receive signed events (migration 0017, docs/webhooks.md). */
export interface WebhookSubscribersTable {
  id: Generated<string>
  url: string
  /** Kept as given, never shown again after creation: the server signs every delivery with it. */
  secret: string
  /** The event names it receives; null: every event. */
  events: string[] | null
  enabled: Generated<boolean>
  created_at: CreatedAt
}

/** One event for one subscriber, sent at least once by the webhook worker. */
export interface WebhookDeliveriesTable {
  id: Generated<string>
  subscriber_id: string
  /** The event's id, the same for every subscriber and every attempt: receivers dedupe by it. */
  event_id: string
  event: string
  payload: unknown
  attempts: Generated<number>
  next_attempt_at: Generated<Date>
  delivered_at: Date | null
  gave_up_at: Date | null
  /** Why the last attempt failed, in a few words (a status or an error code, never a secret). */
  last_error: string | null
  created_at: CreatedAt
}

/** One row: moves on every change an access decision depends on (triggers keep it). */
export interface AccessVersionTable {
  id: Generated<boolean>
  version: ColumnType<string, never, never>
}

/** Facts fixed when the database was first prepared (`preset`), by name. */
export interface SettingsTable {
  name: string
  value: string
  created_at: CreatedAt
}

/** Every table Trellis owns, as kysely sees them. */
export interface Database {
  users: UsersTable
  roles: RolesTable
  role_grants: RoleGrantsTable
  user_roles: UserRolesTable
  invitation_bindings: InvitationBindingsTable
  entity_types: EntityTypesTable
  records: RecordsTable
  record_parties: RecordPartiesTable
  sessions: SessionsTable
  api_keys: ApiKeysTable
  one_time_tokens: OneTimeTokensTable
  outbox: OutboxTable
  login_failures: LoginFailuresTable
  audit_events: AuditEventsTable
  policies: PoliciesTable
  policy_types: PolicyTypesTable
  policy_usage: PolicyUsageTable
  webhook_subscribers: WebhookSubscribersTable
  webhook_deliveries: WebhookDeliveriesTable
  access_version: AccessVersionTable
  settings: SettingsTable
}

/** A kysely handle on the Trellis schema, on PGlite or PostgreSQL. */
export type TrellisDatabase = Kysely<Database>
