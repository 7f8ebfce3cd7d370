#!/usr/bin/env node
import { apiKeyIssue, apiKeyRevoke } from './api-key.js'
import { check } from './check.js'
import { CliError, type CliIo, type Command, DEBUG_VARIABLE, parseCommandArgs } from './command.js'
import { createAdmin } from './create-admin.js'
import { exportData } from './export-data.js'
import { importData } from './import-data.js'
import { migrate } from './migrate.js'
import { resetPassword } from './reset-password.js'
import { showConfig } from './show-config.js'

// `trellis <command> [flags]`: the operator's tool beside the server, on the same database
// and settings (docs/operations.md, "Command line").

const COMMANDS: readonly Command<any>[] = [
  createAdmin,
  resetPassword,
  apiKeyIssue,
  apiKeyRevoke,
  migrate,
  showConfig,
  check,
  exportData,
  importData,
]

const HELP = `Usage: trellis <command> [flags]

Works on the database the server uses, read from the same environment
(DATABASE_URL, TRELLIS_DATA_DIR, ...; see trellis config).

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(18)}${command.summary}`).join('\n')}

trellis <command> --help shows a command's flags. Errors are one line on stderr
with exit code 1; ${DEBUG_VARIABLE}=1 adds the stack of an unexpected one.`

/** The command `args` start with (`api-key issue` is two words) and the flags after it. */
function findCommand(args: readonly string[]): { command: Command<any>; flags: string[] } | undefined {
  for (const command of COMMANDS) {
    const words = command.name.split(' ')
    if (words.every((word, index) => args[index] === word))
      return { command, flags: args.slice(words.length) }
  }
  return undefined
}

/** Runs one command line; resolves with the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    io.out(HELP)
    return 0
  }
  const found = findCommand(args)
  if (!found) {
    const group = COMMANDS.filter((command) => command.name.startsWith(`${args[0]} `))
    throw new CliError(
      group.length > 0
        ? `trellis ${args[0]} needs one of: ${group.map((command) => command.name.split(' ')[1]).join(', ')}`
        : `Unknown command ${args[0]}: see trellis --help`,
    )
  }
  if (found.flags.includes('--help') || found.flags.includes('-h')) {
    io.out(`${found.command.help}\n  --help              show this help`)
    return 0
  }
  await found.command.run(parseCommandArgs(found.command, found.flags), io)
  return 0
}

/** Any failure as the one line to print: its message, newlines folded (a config error lists several). */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/:?\n\s*/g, (match) => (match.startsWith(':') ? ': ' : '; '))
}

async function main(): Promise<void> {
  // biome-ignore lint/style/noProcessEnv: the entry point hands its environment to the commands, which read it through readEnv.
  const env = process.env
  const io: CliIo = {
    env,
    out: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
  }
  try {
    process.exitCode = await runCli(process.argv.slice(2), io)
  } catch (error) {
    const debug = env[DEBUG_VARIABLE] === '1' && !(error instanceof CliError)
    process.stderr.write(`${debug ? (error as Error).stack : oneLine(error)}\n`)
    process.exitCode = 1
  }
}

void main()
