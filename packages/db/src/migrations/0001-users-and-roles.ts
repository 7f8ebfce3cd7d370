import { type Kysely, sql } from 'kysely'

// Migrations take Kysely<any> on purpose: they must keep working after the
// Database type moves on (kysely's own advice).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('display_name', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('person', 'service')`))
    .addColumn('status', 'text', (col) =>
      col.notNull().check(sql`status in ('invited', 'active', 'deactivated')`),
    )
    .addColumn('parent_id', 'uuid', (col) => col.references('users.id'))
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  // Case-insensitive uniqueness without the citext extension, so plain PostgreSQL needs nothing extra.
  await sql`create unique index users_email_unique on users (lower(email))`.execute(db)
  await db.schema.createIndex('users_parent_id').on('users').column('parent_id').execute()

  await db.schema
    .createTable('roles')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (col) => col.notNull().unique())
    .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('is_protected', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable('role_grants')
    .addColumn('role_id', 'uuid', (col) => col.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('permission', 'text', (col) => col.notNull())
    .addColumn('level', 'text', (col) =>
      col.check(sql`level is null or level in ('SELF', 'OWNED', 'UNION', 'ALL')`),
    )
    .addPrimaryKeyConstraint('role_grants_pk', ['role_id', 'permission'])
    .execute()

  await db.schema
    .createTable('user_roles')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id'))
    .addColumn('role_id', 'uuid', (col) => col.notNull().references('roles.id'))
    .addColumn('scope', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  await sql`create unique index user_roles_unique on user_roles (user_id, role_id, coalesce(scope, ''))`.execute(
    db,
  )
  await db.schema.createIndex('user_roles_role_id').on('user_roles').column('role_id').execute()
}
