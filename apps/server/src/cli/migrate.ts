import { migrateToLatest, migrationState } from '@trellis/db'
import { readEnv } from '../env.js'
import { describeDatabase, withDatabase } from './cli-database.js'
import { CliError, defineCommand } from './command.js'

export const migrate = defineCommand({
  name: 'migrate',
  summary: 'apply pending database migrations',
  help: `Usage: trellis migrate

Applies the migrations the database lacks, as a server start does first
(creating an embedded database if TRELLIS_DATA_DIR has none). Roles, presets
and the first administrator are left to the server start or create-admin.
Safe beside running servers: migrations take a lock.
`,
  options: {},
  async run(_values, io) {
    const env = readEnv(io.env)
    const where = describeDatabase(env)
    const { applied, latest } = await withDatabase(env, { create: true }, async (db) => {
      const { unknown } = await migrationState(db)
      if (unknown.length > 0) {
        throw new CliError(
          `The database was migrated by a newer Trellis (${unknown.join(', ')}): nothing to do`,
        )
      }
      const outcome = await migrateToLatest(db)
      return { applied: outcome.applied, latest: (await migrationState(db)).applied.at(-1) }
    })
    io.out(
      applied.length === 0
        ? `${where} is up to date (${latest})`
        : `Applied ${applied.length} migration(s) to ${where}: ${applied.join(', ')}`,
    )
  },
})
