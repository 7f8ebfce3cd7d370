import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../../dist/main.mjs', import.meta.url))

export interface ServerProcess {
  readonly child: ChildProcess
  /** Every JSON log line so far, parsed; stderr output lands in `stderr`. */
  readonly logs: Record<string, unknown>[]
  readonly stderr: string[]
  /** Resolves with the first log line that matches, or rejects when the process exits first. */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
}

/**
 * The built server (`dist/main.mjs`) as its own process, as `pnpm start` runs it; or,
 * given `command`, whatever starts it (`pnpm start` itself).
 */
export function spawnServerProcess(
  env: Record<string, string>,
  command: { file: string; args: string[]; cwd?: string } = { file: process.execPath, args: [MAIN] },
): ServerProcess {
  const child = spawn(command.file, command.args, {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(command.cwd ? { cwd: command.cwd } : {}),
  })
  const logs: Record<string, unknown>[] = []
  const stderr: string[] = []
  const waiters = new Set<() => void>()
  let buffered = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    // A wrapper's own lines (pnpm's banner) are not logs.
    for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line))
    for (const wake of waiters) wake()
  })
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  function waitForLog(match: (line: Record<string, unknown>) => boolean) {
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match)
        if (!found) return
        waiters.delete(check)
        resolve(found)
      }
      waiters.add(check)
      check()
      exited.then(() => {
        waiters.delete(check)
        reject(new Error(`Server exited first. stderr: ${stderr.join('')} logs: ${JSON.stringify(logs)}`))
      })
    })
  }
  return { child, logs, stderr, waitForLog, exited }
}
