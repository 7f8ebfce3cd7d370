import { readEnv, SETTING_NAMES, unknownSettings } from '../env.js'
import { describeDatabase } from './cli-database.js'
import { defineCommand } from './command.js'

// Values no screen or support ticket should show.
const SECRET_SETTINGS = new Set(['TRELLIS_ADMIN_PASSWORD'])

/** A connection URL without its password. */
function redactUrl(value: string): string {
  const url = new URL(value)
  if (url.password) url.password = '***'
  return url.toString()
}

function shown(name: string, value: unknown): string {
  if (value === undefined) return '(unset)'
  if (SECRET_SETTINGS.has(name)) return '[redacted]'
  if (name === 'DATABASE_URL') return redactUrl(String(value))
  return Array.isArray(value) ? value.join(',') : String(value)
}

export const showConfig = defineCommand({
  name: 'config',
  summary: 'show the configuration the server and this CLI would use',
  help: `Usage: trellis config

Prints every setting as read from the environment (docs/configuration.md),
marking defaults, with secrets redacted: TRELLIS_ADMIN_PASSWORD and the
password in DATABASE_URL. Fails with one line if a setting is invalid, as the
server would refuse to start. Misspelt TRELLIS_* variables are named on stderr.
`,
  options: {},
  async run(_values, io) {
    const env = readEnv(io.env)
    io.out(`Database: ${describeDatabase(env)}`)
    for (const name of SETTING_NAMES) {
      const fromEnv = io.env[name] !== undefined && io.env[name] !== ''
      const value = shown(name, env[name as keyof typeof env])
      io.out(`${name}=${value}${fromEnv || value === '(unset)' ? '' : ' (default)'}`)
    }
    for (const { message } of unknownSettings(io.env)) io.warn(message)
  },
})
