import { randomBytes } from 'node:crypto'
import { assertPasswordAllowed, PasswordInput } from '@trellis/api'
import { CliError, type CliIo } from './command.js'

/** The flags of the commands that set a person's password: whose, and `--password-stdin`; and the latter's help lines. */
export const EMAIL_AND_PASSWORD_OPTIONS = {
  email: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const

export const PASSWORD_STDIN_HELP = `  --password-stdin    read the password from standard input; without it a
                      strong password is generated and printed once`

export interface ChosenPassword {
  readonly password: string
  /** True when the CLI made it up: it must print it, once. */
  readonly generated: boolean
}

/**
 * The password from standard input (`--password-stdin`: never a flag, which `ps` and shell
 * history would keep), checked by the API's own rules, or a strong generated one.
 */
export async function choosePassword(fromStdin: boolean | undefined, io: CliIo): Promise<ChosenPassword> {
  if (!fromStdin) return { password: randomBytes(18).toString('base64url'), generated: true }
  // One trailing newline is the shell's (`echo`), not the password's.
  const password = (await io.readStdin()).replace(/\r?\n$/, '')
  const parsed = PasswordInput.safeParse(password)
  if (!parsed.success) {
    throw new CliError(`The password from stdin is refused: ${parsed.error.issues[0]?.message}`)
  }
  try {
    assertPasswordAllowed(password)
  } catch (error) {
    throw new CliError((error as Error).message)
  }
  return { password, generated: false }
}
