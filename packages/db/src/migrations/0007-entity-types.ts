import { type Kysely, sql } from 'kysely'

// Entity types (docs/model.md §5) are defined at run time: a name, a JSON Schema for the data
// and, optionally, a state machine whose transitions are permissions of their own.
// Every record gets a type and, for types with a state machine, its current state.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('entity_types')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (col) => col.notNull().unique())
    .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('schema', 'jsonb', (col) => col.notNull())
    .addColumn('state_machine', 'jsonb')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()

  // Records written before types existed keep their data under a permissive type.
  await sql`
    insert into entity_types (name, description, schema)
    select 'untyped', 'Records written before entity types existed', '{}'::jsonb
    where exists (select 1 from records)
  `.execute(db)
  await sql`alter table records add column entity_type_id uuid references entity_types (id)`.execute(db)
  await sql`alter table records add column status text`.execute(db)
  await sql`
    update records set entity_type_id = (select id from entity_types where name = 'untyped')
  `.execute(db)
  await sql`alter table records alter column entity_type_id set not null`.execute(db)
  await sql`create index records_type_created on records (entity_type_id, created_at desc, id desc)`.execute(
    db,
  )
}
