import { clearAccountFailures, endSessions, hashPassword, revokeOneTimeTokens } from '@trellis/api'
import { withTransaction } from '@trellis/db'
import { readEnv } from '../env.js'
import { auditCliChange } from './cli-audit.js'
import { assertSchemaCurrent, withDatabase } from './cli-database.js'
import { choosePassword, EMAIL_AND_PASSWORD_OPTIONS, PASSWORD_STDIN_HELP } from './cli-password.js'
import { CliError, defineCommand, required } from './command.js'
import { findUser } from './find-user.js'

export const resetPassword = defineCommand({
  name: 'reset-password',
  summary: "set a person's password, ending their sessions",
  help: `Usage: trellis reset-password --email EMAIL [--password-stdin]

Sets a new password for an active person, as a completed password reset does:
all their sessions end, open reset tokens stop working, and failed sign-ins
counted against the account are forgotten. For an operator locked out, or a
server that cannot send mail.

  --email EMAIL       whose password (an active person's)
${PASSWORD_STDIN_HELP}`,
  options: EMAIL_AND_PASSWORD_OPTIONS,
  async run(values, io) {
    const email = required(values.email, 'email', 'reset-password')
    const env = readEnv(io.env)
    const { password, generated } = await choosePassword(values['password-stdin'], io)
    const passwordHash = await hashPassword(password)
    const { ended, who } = await withDatabase(env, {}, async (db) => {
      await assertSchemaCurrent(db)
      // Checked and changed in one transaction, the row locked: a user deactivated meanwhile keeps no new password.
      return withTransaction(db, async (trx) => {
        const user = await findUser(trx, email, { forUpdate: true })
        if (user.kind !== 'person') {
          throw new CliError(`${user.email} is a service account: it signs in with API keys, not a password`)
        }
        if (user.status !== 'active') {
          throw new CliError(
            `${user.email} is ${user.status}, not active: ${user.status === 'invited' ? 'they choose a password when accepting the invitation' : 'reactivate them first'}`,
          )
        }
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, updated_at: new Date() })
          .where('id', '=', user.id)
          .execute()
        const ended = await endSessions(trx, user.id)
        await revokeOneTimeTokens(trx, user.id, 'password_reset')
        await clearAccountFailures(trx, user.email)
        await auditCliChange(trx, 'reset-password', user.id)
        return { ended, who: user.email }
      })
    })
    io.out(`Password of ${who} reset; ${ended} session(s) ended`)
    if (generated) io.out(`Password (shown only now): ${password}`)
  },
})
