import { ADMIN_ROLE, hashPassword, PRESETS, prepareDatabase } from '@trellis/api'
import { bindRole, findRole, insertUser, isUniqueViolation, withTransaction } from '@trellis/db'
import { z } from 'zod'
import { readEnv } from '../env.js'
import { auditCliChange } from './cli-audit.js'
import { withDatabase } from './cli-database.js'
import { createCliLogger } from './cli-logger.js'
import { choosePassword } from './cli-password.js'
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
  --password-stdin    read the password from standard input; without it a
                      strong password is generated and printed once
  --help              show this help`,
  options: {
    email: { type: 'string' },
    'password-stdin': { type: 'boolean' },
  },
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
          const role = await findRole(trx, adminRole)
          if (!role) throw new CliError(`This database has no "${adminRole}" role to give an administrator`)
          const user = await insertUser(trx, {
            email,
            display_name: 'Administrator',
            kind: 'person',
            status: 'active',
            parent_id: null,
            password_hash: passwordHash,
          })
          await bindRole(trx, { userId: user.id, roleId: role.id, scope: null })
          await auditCliChange(trx, 'create-admin', user.id)
          return user.id
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
