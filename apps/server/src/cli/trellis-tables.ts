import type { Database } from '@trellis/db'

/**
 * The tables `trellis export` writes and `trellis import` fills, parents before children
 * (import inserts them in this order, so every reference finds its row).
 */
export const EXPORTED_TABLES = [
  'settings',
  'roles',
  'role_grants',
  'entity_types',
  'policies',
  'policy_types',
  'users',
  'user_roles',
  'invitation_bindings',
  'records',
  'record_parties',
  'api_keys',
  'audit_events',
  // With their signing secrets: a restored server must sign as its receivers expect.
  'webhook_subscribers',
] as const satisfies readonly (keyof Database)[]

export type ExportedTable = (typeof EXPORTED_TABLES)[number]

/** The tables left out, and why: none is needed to restore what the operators and users made. */
export const NOT_EXPORTED_TABLES: Readonly<Record<string, string>> = {
  sessions: 'everyone signs in again; a copied session would outlive its owner logging out',
  one_time_tokens: 'open reset and invitation tokens: ask for a new reset, send invitations again',
  outbox: 'mail in flight, whose bodies hold tokens',
  login_failures: 'a throttle of the last minutes',
  access_version: 'a counter the database keeps itself',
  webhook_deliveries:
    'events sent or waiting to be: a restored copy must not send them again, nor another server twice',
  policy_usage: "consumers' calls counted in the current quota and rate windows: they start again",
  kysely_migration: 'the schema version, recorded in the export instead',
  kysely_migration_lock: "the migrator's lock",
}
