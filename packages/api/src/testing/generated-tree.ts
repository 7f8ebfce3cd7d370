import { insertUser, type TrellisDatabase } from '@trellis/db'

/**
 * The users of a generated tree, inserted in one transaction: the parent of user `i` is an
 * earlier user (`parents[i]`), or `rootId` for -1. Returns their ids in order; emails are
 * `<prefix>-u<i>@example.com`, so each run of a property test names its own.
 */
export function insertGeneratedTree(
  db: TrellisDatabase,
  parents: readonly number[],
  rootId: string,
  prefix: string,
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const inserted: string[] = []
    for (const [i, parent] of parents.entries()) {
      const user = await insertUser(trx, {
        email: `${prefix}-u${i}@example.com`,
        kind: 'person',
        status: 'active',
        parent_id: parent === -1 ? rootId : inserted[parent]!,
      })
      inserted.push(user.id)
    }
    return inserted
  })
}
