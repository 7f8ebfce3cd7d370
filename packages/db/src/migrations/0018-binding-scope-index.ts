import { type Kysely, sql } from 'kysely'

// The bindings scoped to one policy or entity type, found without reading every binding:
// `policies.usage` lists a policy's consumers by them, and deleting a policy or a type
// deletes them. Unscoped bindings, most of them, stay out of the index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index user_roles_scope on user_roles (scope) where scope is not null`.execute(db)
}
