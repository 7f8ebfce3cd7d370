import type { TrellisDatabase } from '@trellis/db'

/** The id of the entity type named `name`, for tests that write its records straight to the table. */
export async function entityTypeIdOf(db: TrellisDatabase, name: string): Promise<string> {
  const row = await db
    .selectFrom('entity_types')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow()
  return row.id
}
