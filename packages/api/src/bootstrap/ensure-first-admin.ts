import { randomBytes } from 'node:crypto'
import { bindRole, type Database, findRole, insertUser, withTransaction } from '@trellis/db'
import type { Kysely } from 'kysely'
import { hashPassword } from '../identity/password-hash.js'
import type { Logger } from '../logger.js'

export interface FirstAdminOptions {
  /** The protected role the administrator gets. */
  readonly role: string
  readonly email: string
  /** When omitted, a strong password is generated and logged once. */
  readonly password?: string | undefined
}

export type FirstAdminOutcome =
  | { readonly created: false }
  | { readonly created: true; readonly userId: string; readonly generatedPassword: boolean }

/**
 * On an empty database, creates the first administrator: an active root user holding
 * the protected top role. Does nothing once any user exists, so a restart creates nothing.
 */
export async function ensureFirstAdmin(
  db: Kysely<Database>,
  options: FirstAdminOptions,
  logger: Logger,
): Promise<FirstAdminOutcome> {
  const password = options.password ?? randomBytes(18).toString('base64url')
  const passwordHash = await hashPassword(password)
  const userId = await withTransaction(db, async (trx) => {
    // The role locked first serialises two servers bootstrapping one empty PostgreSQL database.
    const role = await findRole(trx, options.role, { forUpdate: true })
    const anyUser = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst()
    if (anyUser) return undefined
    if (!role) throw new Error(`The first administrator's role "${options.role}" is not defined`)
    const user = await insertUser(trx, {
      email: options.email,
      display_name: 'Administrator',
      kind: 'person',
      status: 'active',
      parent_id: null,
      password_hash: passwordHash,
    })
    await bindRole(trx, { userId: user.id, roleId: role.id, scope: null })
    return user.id
  })
  if (!userId) return { created: false }

  if (options.password === undefined) {
    // The one time a secret is logged, on purpose: nobody else could ever learn it.
    logger.warn(
      { email: options.email, generatedPassword: password },
      'First administrator created with a generated password. Sign in and change it: it is not shown again.',
    )
  } else {
    logger.info({ email: options.email }, 'First administrator created')
  }
  return { created: true, userId, generatedPassword: options.password === undefined }
}
