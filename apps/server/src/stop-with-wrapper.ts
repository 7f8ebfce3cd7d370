import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** npx → sh → pnpm → this server, and the shell that ran the README's `… && npx … start`. */
const WRAPPER_DEPTH = 4

/**
 * Calls `stop` once a process that wraps this one is gone. `npx pnpm start` runs pnpm
 * through a shell that dies on SIGTERM without passing the signal on, so `kill -TERM` on
 * the start command ends the outer wrappers and leaves pnpm and the server running;
 * watching the wrappers lets the server stop gracefully then. Only for runs under a
 * package script: a server started with `node` directly may outlive the shell that
 * started it (`nohup`).
 *
 * @example
 * stopWithWrapper(() => shutdown('wrapper exited'))
 */
export function stopWithWrapper(stop: () => void, intervalMs = 500): () => void {
  const wrappers = ancestorsOf(process.pid, WRAPPER_DEPTH)
  const timer = setInterval(() => {
    if (wrappers.every(isAlive)) return
    clearInterval(timer)
    stop()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}

/** The parent, grandparent, … of `pid`, nearest first, up to `depth` and never init. */
function ancestorsOf(pid: number, depth: number): number[] {
  const ancestors: number[] = []
  for (let child = pid; ancestors.length < depth; ) {
    const parent = parentOf(child)
    if (parent === undefined || parent <= 1) break
    ancestors.push(parent)
    child = parent
  }
  return ancestors
}

function parentOf(pid: number): number | undefined {
  try {
    // Linux: the field after the parenthesised name (which may hold spaces) is the state, then the ppid.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    try {
      return Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim())
    } catch {
      return undefined
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
