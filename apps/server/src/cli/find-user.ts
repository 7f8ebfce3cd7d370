import type { TrellisDatabase, UserKind, UserStatus } from '@trellis/db'
import { z } from 'zod'
import { CliError } from './command.js'

export interface FoundUser {
  readonly id: string
  readonly email: string
  readonly kind: UserKind
  readonly status: UserStatus
}

const Uuid = z.uuid()

/**
 * The user an operator named by id or by email (case-insensitive, as sign-in compares), or
 * a one-line refusal. `forUpdate` (in a transaction) keeps what was checked true until it ends.
 */
export async function findUser(
  db: TrellisDatabase,
  idOrEmail: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<FoundUser> {
  const byId = Uuid.safeParse(idOrEmail).success
  const query = db
    .selectFrom('users')
    .select(['id', 'email', 'kind', 'status'])
    .where((eb) =>
      byId ? eb('id', '=', idOrEmail) : eb(eb.fn('lower', ['email']), '=', idOrEmail.toLowerCase()),
    )
  const user = await (forUpdate ? query.forUpdate() : query).executeTakeFirst()
  if (!user) throw new CliError(`No user ${byId ? 'with id' : 'with email'} ${idOrEmail}`)
  return user
}
