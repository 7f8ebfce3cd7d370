import { type Kysely, sql } from 'kysely'

// The role bindings an invitation carries, made when it is accepted (issue 14): an invited
// user holds no role until then, and the inviter must still be allowed to give each one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('invitation_bindings')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // The invited user: the invitation goes with it.
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    // A deleted role is withdrawn from the invitations that carried it.
    .addColumn('role_id', 'uuid', (col) => col.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('scope', 'text')
    // Who vouches for the binding at acceptance; gone (null) once that user is deleted.
    .addColumn('invited_by', 'uuid', (col) => col.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  await sql`create unique index invitation_bindings_unique on invitation_bindings (user_id, role_id, coalesce(scope, ''))`.execute(
    db,
  )
  await db.schema
    .createIndex('invitation_bindings_role_id')
    .on('invitation_bindings')
    .column('role_id')
    .execute()
  await db.schema
    .createIndex('invitation_bindings_invited_by')
    .on('invitation_bindings')
    .column('invited_by')
    .execute()
}
