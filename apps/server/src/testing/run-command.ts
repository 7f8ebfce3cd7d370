import { execFile } from 'node:child_process'

export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** pnpm as the caller ran it (`npm_execpath` under `pnpm test`), else the one on PATH. */
export const PNPM = process.env.npm_execpath?.includes('pnpm')
  ? { file: process.execPath, args: [process.env.npm_execpath] }
  : { file: 'pnpm', args: [] }

/**
 * The environment without what a package manager running this test put in it (`npm_config_*`
 * and the like), so a command in another project sees only its own settings.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm|pnpm)_/i.test(name)))
}

/** Runs a command to its end and reports how it ended; never rejects on a non-zero exit. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs: number },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: cleanEnv(), timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr: error && code === -1 ? `${stderr}\n${error.message}` : stderr })
      },
    )
  })
}
