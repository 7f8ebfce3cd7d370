import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDatabase } from './create-database.js'
import { DATA_DIR_LOCK_FILE, DataDirInUseError, lockDataDir } from './data-dir-lock.js'

const COLD_STARTS_TIMEOUT_MS = 120_000

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(child.stdout.toString())
}

const outcomes = (results: PromiseSettledResult<unknown>[]) => ({
  won: results.filter((result) => result.status === 'fulfilled').length,
  refused: results.filter(
    (result) => result.status === 'rejected' && result.reason instanceof DataDirInUseError,
  ).length,
})

// Regression (issue 10): two servers on one TRELLIS_DATA_DIR both started, and what the
// second wrote was lost. The lock refuses the second; a crashed holder leaves no stale lock.
describe('lockDataDir', () => {
  let dataDir: string
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trellis-lock-'))
  })
  afterEach(() => rm(dataDir, { recursive: true, force: true }))

  it('refuses a second claim, naming the holding process, until the first is released', async () => {
    const lock = await lockDataDir(dataDir)
    const refused = await lockDataDir(dataDir).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(DataDirInUseError)
    expect((refused as Error).message).toBe(
      `The data directory ${dataDir} is in use by another Trellis process (pid ${process.pid}): stop that one, or set TRELLIS_DATA_DIR to another directory`,
    )
    await lock.release()
    await lock.release()
    const again = await lockDataDir(dataDir)
    await again.release()
    expect(await readdir(dataDir)).toEqual([])
  })

  it('takes over a lock left by a process that died', async () => {
    const pid = deadPid()
    await writeFile(join(dataDir, DATA_DIR_LOCK_FILE), JSON.stringify({ pid, process: 'gone', lock: 'x' }))
    const lock = await lockDataDir(dataDir)
    const held = JSON.parse(await readFile(join(dataDir, DATA_DIR_LOCK_FILE), 'utf8'))
    expect(held.pid).toBe(process.pid)
    await lock.release()
  })

  it("takes over a lock with this process's pid left by an earlier process (a restarted container)", async () => {
    await writeFile(
      join(dataDir, DATA_DIR_LOCK_FILE),
      JSON.stringify({ pid: process.pid, process: 'an earlier incarnation', lock: 'x' }),
    )
    const lock = await lockDataDir(dataDir)
    await lock.release()
  })

  it('takes over an unreadable lock file', async () => {
    await writeFile(join(dataDir, DATA_DIR_LOCK_FILE), 'not json')
    const lock = await lockDataDir(dataDir)
    await lock.release()
  })

  it('lets exactly one of many racing claims win, on a free directory and over a stale lock', async () => {
    for (let round = 0; round < 20; round++) {
      if (round % 2 === 1) {
        await writeFile(
          join(dataDir, DATA_DIR_LOCK_FILE),
          JSON.stringify({ pid: deadPid(), process: 'gone', lock: `stale-${round}` }),
        )
      }
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => lockDataDir(dataDir)))
      expect(outcomes(results)).toEqual({ won: 1, refused: 11 })
      for (const result of results) if (result.status === 'fulfilled') await result.value.release()
      expect(await readdir(dataDir)).toEqual([])
    }
  })

  // Two cold PGlite starts (~2–4 s each alone, far more on a busy machine): no latency is asserted.
  it(
    'guards createDatabase: a second open of one directory fails until the first is closed',
    async () => {
      const db = await createDatabase({ dataDir })
      // Kysely closes PGlite on destroy() only once a query has opened its connection.
      await sql`select 1`.execute(db)
      await expect(createDatabase({ dataDir })).rejects.toBeInstanceOf(DataDirInUseError)
      await db.destroy()
      const reopened = await createDatabase({ dataDir })
      await sql`select 1`.execute(reopened)
      await reopened.destroy()
      expect(await readdir(dataDir)).not.toContain(DATA_DIR_LOCK_FILE)
    },
    COLD_STARTS_TIMEOUT_MS,
  )
})
