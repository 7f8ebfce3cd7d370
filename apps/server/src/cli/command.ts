import { type ParseArgsConfig, parseArgs } from 'node:util'
import { CLI_DEBUG_SETTING } from '../env.js'

/** A refusal the operator can act on: its message is the one line the CLI prints. */
export class CliError extends Error {
  override readonly name = 'CliError'
}

/** What a command writes to and reads from; the process's own streams outside tests. */
export interface CliIo {
  readonly env: Record<string, string | undefined>
  out(line: string): void
  /** A line on stderr that is not a failure. */
  warn(line: string): void
  /** All of standard input, for `--password-stdin`. */
  readStdin(): Promise<string>
}

/** `TRELLIS_DEBUG=1` shows the stack of an unexpected failure; the CLI's own, not a server setting. */
export const DEBUG_VARIABLE = CLI_DEBUG_SETTING

export type CommandOptions = NonNullable<ParseArgsConfig['options']>

/** One `trellis <name>` command: its flags, its help text, and what it does. */
export interface Command<O extends CommandOptions = CommandOptions> {
  readonly name: string
  /** One line for `trellis --help`. */
  readonly summary: string
  /** The whole `--help` text: usage, flags, what it prints. */
  readonly help: string
  readonly options: O
  run(values: ParsedValues<O>, io: CliIo): Promise<void>
}

export type ParsedValues<O extends CommandOptions> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>
>['values']

/** Declares a command with its flag types inferred. */
export function defineCommand<O extends CommandOptions>(command: Command<O>): Command<O> {
  return command
}

/** Parses a command's flags, turning Node's wordy parse errors into one line. */
export function parseCommandArgs<O extends CommandOptions>(
  command: Command<O>,
  args: readonly string[],
): ParsedValues<O> {
  try {
    return parseArgs({ args: [...args], options: command.options, strict: true, allowPositionals: false })
      .values as ParsedValues<O>
  } catch (error) {
    // Node's message goes on about `--` for positionals: its first sentence says it all.
    const first = String((error as Error).message).split(/\. /)[0]!
    throw new CliError(`${first}: see trellis ${command.name} --help`)
  }
}

/** A flag the command cannot work without. */
export function required(value: string | undefined, flag: string, command: string): string {
  if (value === undefined || value === '') {
    throw new CliError(`Missing --${flag}: see trellis ${command} --help`)
  }
  return value
}
