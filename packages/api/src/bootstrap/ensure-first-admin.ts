import { randomBytes } from 'node:crypto'
import { bindRole, type Database, findRole, insertUser, withTransaction } from '@trellis/db'
import type { Kysely, Transaction } from 'kysely'
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
 * Inserts an active root person holding the protected role `roleId` for everything: an
 * administrator. Call inside a transaction; a taken email fails with a unique violation.
 */
export async function insertAdministrator(
  trx: Transaction<Database>,
  admin: { readonly email: string; readonly passwordHash: string; readonly roleId: string },
): Promise<string> {
  const user = await insertUser(trx, {
    email: admin.email,
    display_name: 'Administrator',
    kind: 'person',
    status: 'active',
    parent_id: null,
    password_hash: admin.passwordHash,
  })
  await bindRole(trx, { userId: user.id, roleId: admin.roleId, scope: null })
  return user.id
}

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
    return insertAdministrator(trx, { email: options.email, passwordHash, roleId: role.id })
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
