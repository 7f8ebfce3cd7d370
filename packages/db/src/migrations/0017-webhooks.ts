import { type Kysely, sql } from 'kysely'

// Outgoing webhooks (issue 16, docs/webhooks.md): subscribers an administrator registered,
// and one delivery row per event and matching subscriber, written in the transaction of
// the change it reports and sent from there by the webhook worker (at least once).
export async function up(db: Kysely<any>): Promise<void> {
  // The secret is kept as given: the server signs with it, so it cannot be hashed.
  await sql`
    create table webhook_subscribers (
      id uuid primary key default gen_random_uuid(),
      url text not null,
      secret text not null,
      events text[],
      enabled boolean not null default true,
      created_at timestamptz not null default now()
    )
  `.execute(db)
  await sql`
    create table webhook_deliveries (
      id uuid primary key default gen_random_uuid(),
      subscriber_id uuid not null references webhook_subscribers (id) on delete cascade,
      event_id uuid not null,
      event text not null,
      payload jsonb not null,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      delivered_at timestamptz,
      gave_up_at timestamptz,
      last_error text,
      created_at timestamptz not null default now()
    )
  `.execute(db)
  // The worker's claim: due rows still to send, oldest due first.
  await sql`
    create index webhook_deliveries_due on webhook_deliveries (next_attempt_at)
    where delivered_at is null and gave_up_at is null
  `.execute(db)
  await sql`
    create index webhook_deliveries_subscriber on webhook_deliveries (subscriber_id, created_at)
  `.execute(db)
  await grantWebhooksToAdministrators(db)
}

/**
 * A database made before this migration has its roles already: its administrators (the
 * protected roles that administer roles) get `webhookSubscribers.manage`, as `everyPermission` gives it
 * to a new database's. Without it no one could grant it, as a grant needs its giver to hold it.
 */
export async function grantWebhooksToAdministrators(db: Kysely<any>): Promise<void> {
  await sql`
    insert into role_grants (role_id, permission, level)
    select roles.id, 'webhookSubscribers.manage', null from roles
    where roles.is_protected
      and exists (select 1 from role_grants as held where held.role_id = roles.id and held.permission = 'roles.create')
    on conflict do nothing
  `.execute(db)
}
