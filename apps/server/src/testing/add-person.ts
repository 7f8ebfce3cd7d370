import { hashPassword } from '@trellis/api/testing'
import { insertUser, type TrellisDatabase } from '@trellis/db'

/** An active person with a password under `parentId`, written straight into the tree. */
export async function addPerson(
  db: TrellisDatabase,
  email: string,
  password: string,
  parentId: string,
): Promise<string> {
  const passwordHash = await hashPassword(password)
  const user = await db.transaction().execute((trx) =>
    insertUser(trx, {
      email,
      kind: 'person',
      status: 'active',
      parent_id: parentId,
      password_hash: passwordHash,
    }),
  )
  return user.id
}
