import {
  ADMIN_ROLE,
  hashPassword,
  insertAdministrator,
  lockPreparation,
  PRESETS,
  prepareDatabase,
} from '@trellis/api'
import { findRole, isUniqueViolation, withTransaction } from '@trellis/db'
import { z } from 'zod'
import { readEnv } from '../env.js'
import { auditCliChange } from './cli-audit.js'
import { withDatabase } from './cli-database.js'
import { createCliLogger } from './cli-logger.js'
import { choosePassword, EMAIL_AND_PASSWORD_OPTIONS, PASSWORD_STDIN_HELP } from './cli-password.js'
import { CliError, defineCommand, required } from './command.js'

const Email = z.email().max(254)

export const createAdmin = defineCommand({
  name: 'create-admin',
  summary: 'create an administrator (the first one on an empty database)',
  help: `Usage: trellis create-admin --email EMAIL [--password-stdin]

Creates an active administrator: a root user holding the protected top role
(admin, or the preset's). On a new database it first prepares it as a server
start does (migrations, roles, TRELLIS_PRESET) and the administrator is the
first one, so no generated password lands in the server's log.

  --email EMAIL       the administrator's email (sign-in name)
${PASSWORD_STDIN_HELP}`,
  options: EMAIL_AND_PASSWORD_OPTIONS,
  async run(values, io) {
    const email = required(values.email, 'email', 'create-admin')
    if (!Email.safeParse(email).success) throw new CliError(`Not an email address: ${email}`)
    const env = readEnv(io.env)
    const { password, generated } = await choosePassword(values['password-stdin'], io)
    const preset = env.TRELLIS_PRESET ? PRESETS[env.TRELLIS_PRESET] : undefined
    const adminRole = preset?.adminRole ?? ADMIN_ROLE
    const userId = await withDatabase(env, { create: true }, async (db) => {
      const first = await prepareDatabase(
        db,
        {
          preset: env.TRELLIS_PRESET,
          ...(preset ? { entityTypes: preset.entityTypes, roles: preset.roles, adminRole } : {}),
          adminEmail: email,
          adminPassword: password,
        },
        createCliLogger(),
      )
      if (first.created) {
        await auditCliChange(db, 'create-admin', first.userId)
        return first.userId
      }
      const passwordHash = await hashPassword(password)
      try {
        return await withTransaction(db, async (trx) => {
          await lockPreparation(trx)
          const role = await findRole(trx, adminRole)
          if (!role) throw new CliError(`This database has no "${adminRole}" role to give an administrator`)
          const userId = await insertAdministrator(trx, { email, passwordHash, roleId: role.id })
          await auditCliChange(trx, 'create-admin', userId)
          return userId
        })
      } catch (error) {
        // The unique index decides, so two runs racing for one email cannot both create it.
        if (isUniqueViolation(error)) throw new CliError(`A user with email ${email} already exists`)
        throw error
      }
    })
    io.out(`Created administrator ${email} (id ${userId}) with the ${adminRole} role`)
    if (generated) io.out(`Password (shown only now, change it after signing in): ${password}`)
  },
})
