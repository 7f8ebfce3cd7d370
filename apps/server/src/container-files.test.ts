import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEnv, SETTING_NAMES } from './env.js'
import { PNPM, runCommand } from './testing/run-command.js'
import { spawnServerProcess } from './testing/spawn-server-process.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const run = promisify(execFile)

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
async function dockerfileInstructions(): Promise<string[]> {
  const text = await readFile(join(ROOT, 'Dockerfile'), 'utf8')
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/** The `KEY=value` pairs of every ENV instruction. */
function envOf(instructions: readonly string[]): Record<string, string> {
  const pairs = instructions
    .filter((line) => line.startsWith('ENV '))
    .flatMap((line) => [...line.slice(4).matchAll(/(\w+)=(\S+)/g)])
  return Object.fromEntries(pairs.map((pair) => [pair[1]!, pair[2]!]))
}

/** The JSON (exec) form of an instruction's command, e.g. CMD ["node", "main.mjs"]. */
function execForm(instructions: readonly string[], prefix: RegExp): string[] {
  const line = instructions.find((candidate) => prefix.test(candidate))
  if (!line) throw new Error(`No instruction matching ${prefix}`)
  return JSON.parse(line.slice(line.indexOf('['))) as string[]
}

/**
 * The `environment` mapping of one compose service, read line by line: compose.yaml keeps
 * to plain `key: value` lines so that this and a reader can check it without a YAML parser.
 */
async function composeEnvironment(service: string): Promise<Record<string, string>> {
  const lines = (await readFile(join(ROOT, 'compose.yaml'), 'utf8')).split('\n')
  const start = lines.indexOf(`  ${service}:`)
  const block = lines.slice(lines.indexOf('    environment:', start) + 1)
  const end = block.findIndex((line) => !line.startsWith('      '))
  return Object.fromEntries(
    block.slice(0, end).map((line) => {
      const [, key, value] = /^\s+(\w+): (.*)$/.exec(line) ?? []
      return [key!, value!]
    }),
  )
}

/** `${NAME:-fallback}` as compose expands it with NAME unset. */
const withDefaults = (value: string) => value.replace(/\$\{\w+:-([^}]*)\}/g, '$1')

// Checked without a container engine (none runs on the build machine): what the image and
// compose file say against what the server reads, and the image's server layout, made by the
// Dockerfile's own deploy command, started. It does not prove that `docker build` succeeds.
describe('the container files', () => {
  it('set only settings the server reads, and values it accepts', async () => {
    const instructions = await dockerfileInstructions()
    const imageEnv = envOf(instructions)
    const { NODE_ENV, ...settings } = imageEnv
    expect(NODE_ENV).toBe('production')
    expect(SETTING_NAMES).toEqual(expect.arrayContaining(Object.keys(settings)))
    expect(readEnv(settings)).toMatchObject({ HOST: '0.0.0.0', PORT: 3000 })

    const trellis = await composeEnvironment('trellis')
    expect(SETTING_NAMES).toEqual(expect.arrayContaining(Object.keys(trellis)))
    const parsed = readEnv(
      Object.fromEntries(Object.entries(trellis).map(([key, value]) => [key, withDefaults(value)])),
    )
    // DATABASE_URL names the postgres service with the user, password and database it creates.
    const postgres = await composeEnvironment('postgres')
    const url = new URL(parsed.DATABASE_URL!)
    expect([url.hostname, url.port, url.username, url.password, url.pathname]).toEqual([
      'postgres',
      '5432',
      postgres.POSTGRES_USER,
      postgres.POSTGRES_PASSWORD,
      `/${postgres.POSTGRES_DB}`,
    ])
  })

  it('build in two stages and run the server as the unprivileged node user', async () => {
    const instructions = await dockerfileInstructions()
    expect(instructions.filter((line) => line.startsWith('FROM '))).toEqual([
      'FROM node:22-slim AS build',
      'FROM node:22-slim',
    ])
    expect(instructions.filter((line) => line.startsWith('USER '))).toEqual(['USER node'])
    expect(instructions).toContain('RUN npm install --global pnpm@10.34.8')
    const rootManifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      packageManager: string
    }
    expect(rootManifest.packageManager).toBe('pnpm@10.34.8')
    // The install runs before the sources are copied: every workspace package's manifest must be there.
    const { stdout } = await run('git', ['ls-files', '*package.json'], { cwd: ROOT })
    const manifests = stdout.split('\n').filter((path) => path !== '' && path !== 'package.json')
    const copied = instructions.filter((line) => line.startsWith('COPY ')).map((line) => line.split(' ')[1])
    expect(copied).toEqual(expect.arrayContaining(manifests))
  })

  describe('the image layout', () => {
    let out: string
    let database: TestDatabase | undefined
    beforeAll(async () => {
      out = await mkdtemp(join(tmpdir(), 'trellis-image-'))
      // The Dockerfile's deploy step, into a temporary directory instead of /out.
      const deploy = (await dockerfileInstructions()).find((line) => line.includes(' deploy '))
      const [, args] = /^RUN pnpm (.+) \/out\/apps\/server /.exec(deploy ?? '') ?? []
      expect(args).toBeDefined()
      const deployed = await runCommand(
        PNPM.file,
        [...PNPM.args, ...args!.split(' '), join(out, 'apps/server')],
        { cwd: ROOT, timeoutMs: 120_000 },
      )
      expect(deployed.code, deployed.stderr).toBe(0)
      await cp(join(ROOT, 'apps/console/dist'), join(out, 'apps/console/dist'), { recursive: true })
      if (process.env.DATABASE_URL) database = await createTestDatabase()
    }, 180_000)
    afterAll(async () => {
      await database?.dispose()
      await rm(out, { recursive: true, force: true })
    })

    it('starts the CMD, serves the console, and passes the HEALTHCHECK', async () => {
      const instructions = await dockerfileInstructions()
      const [command, main] = execForm(instructions, /^CMD /)
      expect(command).toBe('node')
      const server = spawnServerProcess(
        {
          ...envOf(instructions),
          HOST: '127.0.0.1',
          PORT: '0',
          TRELLIS_DATA_DIR: join(out, 'data'),
          ...(database
            ? { DATABASE_URL: database.config.databaseUrl!, TRELLIS_DATABASE_SCHEMA: database.config.schema! }
            : {}),
        },
        { file: process.execPath, args: [main!], cwd: out },
      )
      try {
        const { url } = (await server.waitForLog((line) => line.msg === 'Trellis is listening')) as {
          url: string
        }
        const page = await fetch(url)
        expect(page.status).toBe(200)
        expect(page.headers.get('content-type')).toMatch(/^text\/html/)

        const [node, ...probe] = execForm(instructions, /^HEALTHCHECK .* CMD /)
        expect(node).toBe('node')
        const healthy = await run(process.execPath, probe, { env: { PORT: new URL(url).port } })
        expect(healthy.stderr).toBe('')
        // The same probe fails against a port where nothing answers.
        await expect(run(process.execPath, probe, { env: { PORT: '1' } })).rejects.toMatchObject({ code: 1 })
      } finally {
        server.child.kill('SIGTERM')
        expect(await server.exited).toBe(0)
      }
    }, 120_000)
  })
})
