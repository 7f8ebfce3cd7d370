import { randomBytes } from 'node:crypto'
import { link, readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout } from 'node:timers/promises'

/** The file in an embedded database's directory that names the process using it. */
export const DATA_DIR_LOCK_FILE = 'trellis.lock'

// Tells this process's own lock from one a crashed predecessor left with the same pid
// (a container restarted on the same volume is pid 1 both times).
const PROCESS_ID = randomBytes(8).toString('hex')

interface LockHolder {
  readonly pid: number
  readonly process: string
  readonly lock: string
}

/** Refusal to open an embedded database another live process has open. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Trellis process (pid ${pid}): stop that one, or set TRELLIS_DATA_DIR to another directory`,
    )
    this.name = 'DataDirInUseError'
  }
}

export interface DataDirLock {
  /** Removes the lock file if it is still this lock's; safe to call twice. */
  release(): Promise<void>
}

/**
 * Claims `dataDir` for this process, or throws `DataDirInUseError` naming the live process
 * that holds it. PGlite has no lock of its own: two processes on one directory both start,
 * and what one writes the other overwrites. A lock left by a dead process (kill -9, power
 * loss) is stale: the next claim sees its pid is gone and takes it over.
 *
 * @example
 * const lock = await lockDataDir('.trellis/data')
 * try { ... } finally { await lock.release() }
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, DATA_DIR_LOCK_FILE)
  const takeover = `${path}.takeover`
  const mine: LockHolder = { pid: process.pid, process: PROCESS_ID, lock: randomBytes(8).toString('hex') }
  const content = JSON.stringify(mine)
  // Written whole under a private name, then linked into place: link() fails if the target
  // exists, so of two claims exactly one wins, and no reader ever sees half a file.
  const draft = `${path}.${mine.lock}`
  await writeFile(draft, content)
  try {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await tryLink(draft, path)) return { release: () => removeIfUnchanged(path, content) }
      const held = await readIfPresent(path)
      if (held === undefined) continue
      const holder = parseHolder(held)
      if (holder && isAlive(holder)) throw new DataDirInUseError(dataDir, holder.pid)
      // Only the holder of the takeover file may delete a stale lock, so no claimant can
      // delete a lock another one has just taken over.
      if (await tryLink(draft, takeover)) {
        try {
          await removeIfUnchanged(path, held)
        } finally {
          await removeIfUnchanged(takeover, content)
        }
        continue
      }
      const taking = await readIfPresent(takeover)
      const taker = taking === undefined ? undefined : parseHolder(taking)
      // A claimant that died mid-takeover (a window of microseconds) leaves it stale too.
      if (taking !== undefined && !(taker && isAlive(taker))) await removeIfUnchanged(takeover, taking)
      else await setTimeout(10)
    }
    throw new Error(`Could not lock the data directory ${dataDir}: its lock file keeps changing`)
  } finally {
    await unlink(draft).catch(() => {})
  }
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>
    return Number.isInteger(value.pid) && typeof value.process === 'string'
      ? (value as LockHolder)
      : undefined
  } catch {
    return undefined
  }
}

function isAlive(holder: LockHolder): boolean {
  if (holder.pid === process.pid) return holder.process === PROCESS_ID
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Deletes `path` if it still holds `content`: a stale lock, or a lock being released. */
async function removeIfUnchanged(path: string, content: string): Promise<void> {
  if ((await readIfPresent(path)) === content) await unlink(path).catch(() => {})
}
