import { issueApiKey } from '@trellis/api'
import { withTransaction } from '@trellis/db'
import { z } from 'zod'
import { readEnv } from '../env.js'
import { auditCliChange } from './cli-audit.js'
import { assertSchemaCurrent, withDatabase } from './cli-database.js'
import { CliError, defineCommand, required } from './command.js'
import { findUser } from './find-user.js'

const KeyName = z.string().trim().min(1).max(100)

export const apiKeyIssue = defineCommand({
  name: 'api-key issue',
  summary: 'issue an API key for a service account (prints it once)',
  help: `Usage: trellis api-key issue --user EMAIL|ID --name NAME

Issues an API key for a service account, as apiKeys.create does, and prints
the whole key once: only its hash is stored, nobody can show it again.

  --user EMAIL|ID     the service account, by email or id
  --name NAME         what the key is for (up to 100 characters)`,
  options: {
    user: { type: 'string' },
    name: { type: 'string' },
  },
  async run(values, io) {
    const who = required(values.user, 'user', 'api-key issue')
    const name = KeyName.safeParse(required(values.name, 'name', 'api-key issue'))
    if (!name.success) throw new CliError('The key name must be 1 to 100 characters')
    const env = readEnv(io.env)
    const { key, apiKey, email } = await withDatabase(env, {}, async (db) => {
      await assertSchemaCurrent(db)
      const user = await findUser(db, who)
      if (user.kind !== 'service') {
        throw new CliError(`${user.email} is a person: API keys are for service accounts`)
      }
      const issued = await withTransaction(db, async (trx) => {
        const made = await issueApiKey(trx, user.id, name.data)
        await auditCliChange(trx, 'api-key.issue', made.apiKey.id)
        return made
      })
      return { ...issued, email: user.email }
    })
    io.out(`Issued API key ${apiKey.id} "${apiKey.name}" for ${email}; the key, shown only now:`)
    io.out(key)
  },
})

export const apiKeyRevoke = defineCommand({
  name: 'api-key revoke',
  summary: 'revoke an API key (it stops working at once)',
  help: `Usage: trellis api-key revoke --id ID

Revokes an API key, as apiKeys.revoke does: calls made with it fail from now on.

  --id ID             the key's id (as printed when issued, or listed by apiKeys.list)`,
  options: {
    id: { type: 'string' },
  },
  async run(values, io) {
    const id = required(values.id, 'id', 'api-key revoke')
    if (!z.uuid().safeParse(id).success) throw new CliError(`Not an API key id (a uuid): ${id}`)
    const env = readEnv(io.env)
    await withDatabase(env, {}, async (db) => {
      await assertSchemaCurrent(db)
      // One statement finds and revokes: of two revokes racing, one revokes and one is told.
      const revoked = await withTransaction(db, async (trx) => {
        const row = await trx
          .updateTable('api_keys')
          .set({ revoked_at: new Date() })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .returning('id')
          .executeTakeFirst()
        if (row) await auditCliChange(trx, 'api-key.revoke', row.id)
        return row
      })
      if (!revoked) throw new CliError(`No unrevoked API key with id ${id}`)
    })
    io.out(`Revoked API key ${id}`)
  },
})
