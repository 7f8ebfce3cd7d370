import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { DATA_DIR_LOCK_FILE } from '@trellis/db'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PNPM } from './testing/run-command.js'
import { spawnServerProcess } from './testing/spawn-server-process.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

const pnpm = { file: PNPM.file, args: [...PNPM.args, 'start'], cwd: ROOT }

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitUntilGone(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(50)) {
    if (!isRunning(pid)) return true
  }
  return !isRunning(pid)
}

// Regression (issue 10): `kill -TERM` on the README's start command stopped pnpm and its
// shell but left the server running. The script now execs node, so the signal reaches it.
describe('pnpm start', () => {
  let dataDir: string
  let serverPid: number | undefined
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trellis-pnpm-start-'))
  })
  afterEach(async () => {
    // Never leave a server behind, whatever the test found.
    if (serverPid !== undefined && isRunning(serverPid)) process.kill(serverPid, 'SIGKILL')
    serverPid = undefined
    await rm(dataDir, { recursive: true, force: true })
  })

  async function start(command = pnpm) {
    // pnpm and turbo need the usual environment; the server gets none of this run's settings.
    const inherited = Object.entries(process.env).filter(
      ([name]) => !name.startsWith('TRELLIS_') && name !== 'DATABASE_URL' && name !== 'PORT',
    )
    const wrapper = spawnServerProcess(
      {
        ...(Object.fromEntries(inherited) as Record<string, string>),
        TRELLIS_DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      command,
    )
    const { url } = (await wrapper.waitForLog((line) => line.msg === 'Trellis is listening')) as {
      url: string
    }
    // The lock file names the server's own process, whatever wraps it.
    serverPid = JSON.parse(await readFile(join(dataDir, DATA_DIR_LOCK_FILE), 'utf8')).pid as number
    expect(serverPid).not.toBe(wrapper.child.pid)
    return { wrapper, url, serverPid }
  }

  it('stops the server gracefully when the start command gets SIGTERM', async () => {
    const { wrapper, url, serverPid } = await start()
    wrapper.child.kill('SIGTERM')
    expect(await waitUntilGone(serverPid, 10_000)).toBe(true)
    expect(await wrapper.exited).toBe(0)
    expect(wrapper.logs.map((line) => line.msg)).toContain('Trellis stopped')
    await expect(fetch(`${url}/health`)).rejects.toThrow()
  }, 90_000)

  // Regression (issue 10): the README's command is `npx pnpm start`, and npx runs pnpm
  // through a shell that dies on SIGTERM without passing it on: pnpm and the server were
  // left running. The server now stops once a wrapper around it is gone.
  it('stops the server gracefully when npx, around pnpm, gets SIGTERM', async () => {
    const packageManager = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).packageManager
    const { wrapper, url, serverPid } = await start({
      file: 'npx',
      args: ['-y', packageManager, 'start'],
      cwd: ROOT,
    })
    wrapper.child.kill('SIGTERM')
    expect(await waitUntilGone(serverPid, 10_000)).toBe(true)
    expect(wrapper.logs.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['Shutting down', 'Trellis stopped']),
    )
    await expect(fetch(`${url}/health`)).rejects.toThrow()
  }, 120_000)
})
