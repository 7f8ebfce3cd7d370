import { type Kysely, sql } from 'kysely'

// Data-access policies (issue 15, docs/policies.md): which records of which types a consumer
// reads through a policy, without which fields, how often, and under what terms. A policy is
// read afresh by every call made through it, so a change holds from the very next call on
// every server; consumers hold it as a role binding scoped `policy:<name>`.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table policies (
      id uuid primary key default gen_random_uuid(),
      name text collate "C" not null unique,
      description text not null default '',
      enabled boolean not null default true,
      quota_calls integer check (quota_calls > 0),
      quota_period text check (quota_period in ('day', 'week', 'month')),
      rate_per_second integer check (rate_per_second > 0),
      legal jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((quota_calls is null) = (quota_period is null))
    )
  `.execute(db)
  // The data segment, a row per entity type: an entity type a policy covers cannot be
  // deleted from under it (restrict), whatever the order two calls race in.
  await sql`
    create table policy_types (
      policy_id uuid not null references policies (id) on delete cascade,
      entity_type_id uuid not null references entity_types (id) on delete restrict,
      filter jsonb,
      masks text[] not null default '{}',
      primary key (policy_id, entity_type_id)
    )
  `.execute(db)
  await sql`create index policy_types_entity_type_id on policy_types (entity_type_id)`.execute(db)
  // Calls counted per consumer and policy, one row a meter (the quota's period, the rate's
  // second): a call counts by one upsert, which holds across servers and concurrent calls.
  await sql`
    create table policy_usage (
      policy_id uuid not null references policies (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      meter text not null check (meter in ('quota', 'rate')),
      window_start timestamptz not null,
      calls integer not null,
      primary key (policy_id, user_id, meter)
    )
  `.execute(db)
  await sql`create index policy_usage_user_id on policy_usage (user_id)`.execute(db)
  // Which policy served a read (reads through a policy are audited, others only when denied).
  await sql`alter table audit_events add column policy text`.execute(db)
  // The instant a data field's JSON value names in the policy date grammar (policyDateValue
  // in @trellis/core), or null: a record holding any other text matches no date range.
  await sql`
    create function trellis_policy_date(value jsonb) returns timestamptz
    language plpgsql stable as $$
    declare
      text_value text;
    begin
      if jsonb_typeof(value) is distinct from 'string' then return null; end if;
      text_value := value #>> '{}';
      if text_value !~ '^\\d{4}-\\d{2}-\\d{2}$' and text_value !~ '^\\d{4}-\\d{2}-\\d{2}T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,3})?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$' then
        return null;
      end if;
      if length(text_value) = 10 then return text_value::date::timestamp at time zone 'UTC'; end if;
      return text_value::timestamptz;
    exception when others then
      return null;
    end
    $$
  `.execute(db)
}
