import { checkDatabase, migrationState } from '@trellis/db'
import { readEnv } from '../env.js'
import { describeDatabase, withDatabase } from './cli-database.js'
import { CliError, defineCommand } from './command.js'

export const check = defineCommand({
  name: 'check',
  summary: 'check the database: connection, schema version, pending migrations',
  help: `Usage: trellis check

Connects once (no waiting for PostgreSQL to come up), then prints the schema
version, pending migrations, the preset the database was set up with and how
many users it has. Exits 1, with one line on stderr, if the database cannot
be reached, does not exist, lacks migrations or was migrated by a newer
Trellis: that is, unless a server of this version could serve it as it is.
`,
  options: {},
  async run(_values, io) {
    const env = readEnv(io.env)
    io.out(`Database: ${describeDatabase(env)}`)
    await withDatabase(env, { waitSeconds: 0 }, async (db) => {
      await checkDatabase(db)
      io.out('Connection: ok')
      const { applied, pending, unknown } = await migrationState(db)
      io.out(`Schema version: ${applied.at(-1) ?? 'none (never migrated)'}`)
      io.out(`Pending migrations: ${pending.length === 0 ? 'none' : pending.join(', ')}`)
      if (unknown.length > 0) {
        throw new CliError(`Unhealthy: migrated by a newer Trellis (${unknown.join(', ')})`)
      }
      if (pending.length > 0) {
        throw new CliError(`Unhealthy: ${pending.length} pending migration(s): run trellis migrate`)
      }
      const preset = await db
        .selectFrom('settings')
        .select('value')
        .where('name', '=', 'preset')
        .executeTakeFirst()
      const { users } = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<string>().as('users'))
        .executeTakeFirstOrThrow()
      io.out(`Preset: ${preset?.value ?? 'not recorded yet (no server has prepared it)'}`)
      io.out(`Users: ${users}`)
    })
    io.out('Healthy')
  },
})
