import type { TrellisDatabase } from '../schema/database.js'

/**
 * The id of a permissive entity type named `note` (any data, no states), created on first
 * use: for tests that need records but not a particular type.
 */
export async function testEntityTypeId(db: TrellisDatabase): Promise<string> {
  await db
    .insertInto('entity_types')
    .values({ name: 'note', schema: JSON.stringify({}) })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute()
  const row = await db
    .selectFrom('entity_types')
    .select('id')
    .where('name', '=', 'note')
    .executeTakeFirstOrThrow()
  return row.id
}
