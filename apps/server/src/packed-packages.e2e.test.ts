import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsumerProject, installWith, type PackageManager } from './testing/consumer-project.js'
import { PUBLISHED_PACKAGES, packPublishedPackages } from './testing/pack-packages.js'
import { runCommand } from './testing/run-command.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

const run = promisify(execFile)
const CONSUMER_SOURCES = fileURLToPath(new URL('../packed-consumer/', import.meta.url))
// The SDK's own type expectations (its `@ts-expect-error`s), checked here against a real install.
const SDK_TYPE_CONSUMER = fileURLToPath(
  new URL('../../../packages/sdk/type-consumer/consumer.ts', import.meta.url),
)
const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }

/** A file of a tarball, read without unpacking it. */
async function tarballFile(tarball: string, path: string): Promise<string> {
  return (await run('tar', ['-xzOf', tarball, `package/${path}`])).stdout
}

// Regression (issue 11): the packed @trellis/sdk did not install outside the repository
// (`workspace:*` became a @trellis/core version nobody can fetch: E404), and tRPC pinned
// exactly kept an app from adding @trpc/tanstack-react-query (ERESOLVE). The built-package
// test linked workspace folders, so it saw neither. Here nothing comes from the workspace
// but the tarballs (and the test server the app calls).
describe('the packed packages, installed as a new user would', () => {
  let work: string
  let tarballs: Record<string, string>
  let server: TestServer
  beforeAll(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'trellis-packed-')))
    await mkdir(join(work, 'tarballs'))
    ;[tarballs, server] = await Promise.all([
      packPublishedPackages(join(work, 'tarballs')),
      startTestServer(),
    ])
  }, 90_000)
  afterAll(async () => {
    await server?.stop()
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('packs each published package with real versions, tRPC as a ranged peer, a README and a LICENSE', async () => {
    expect(Object.keys(tarballs).sort()).toEqual(PUBLISHED_PACKAGES.map((name) => `@trellis/${name}`).sort())
    for (const [name, tarball] of Object.entries(tarballs)) {
      const files = (await run('tar', ['-tzf', tarball])).stdout.split('\n')
      expect(files, name).toEqual(expect.arrayContaining(['package/README.md', 'package/LICENSE']))
      expect(await tarballFile(tarball, 'LICENSE'), name).toMatch(/^MIT License/)
      const text = await tarballFile(tarball, 'package.json')
      expect(text, name).not.toMatch(/workspace:|@trellis\/source/)
      const manifest = JSON.parse(text)
      expect(manifest, name).toMatchObject({
        license: 'MIT',
        engines: { node: '>=20.19' },
        repository: { type: 'git', url: expect.stringMatching(/^git\+https:/) },
      })
      for (const [dependency, range] of Object.entries<string>(manifest.dependencies ?? {})) {
        expect(dependency, name).not.toMatch(/^@trpc\//)
        expect(range, `${name} → ${dependency}`).toMatch(/^\^/)
      }
      for (const range of Object.values<string>(manifest.peerDependencies ?? {})) {
        expect(range, name).toBe('^11.22.1')
      }
    }
  })

  it.concurrent.for<PackageManager>(['npm', 'pnpm'])(
    'installs with %s into an empty project, type-checks the app and runs it against a real server',
    { timeout: 120_000 },
    async (manager, { expect }) => {
      const app = join(work, manager)
      await createConsumerProject(app, tarballs, [
        { from: CONSUMER_SOURCES, to: '.' },
        { from: SDK_TYPE_CONSUMER, to: 'sdk-consumer.ts' },
      ])
      const installed = await installWith(manager, app)
      expect(installed.code, installed.stderr + installed.stdout).toBe(0)
      // Installed copies inside the app, not links back into the workspace.
      for (const name of Object.keys(tarballs)) {
        expect(await realpath(join(app, 'node_modules', name))).toMatch(new RegExp(`^${app}/`))
      }

      // Strict, with the app's own tsconfig; one pass checks and (Node 20 runs no TypeScript)
      // emits what it checked, nothing when a check fails (`noEmitOnError`).
      const tsc = join(app, 'node_modules/typescript/bin/tsc')
      const checked = await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json'], {
        cwd: app,
        timeoutMs: 60_000,
      })
      expect(checked.stdout + checked.stderr).toBe('')
      expect(checked.code).toBe(0)

      const [client, host] = await Promise.all([
        runCommand(process.execPath, ['out/client.js', server.trpcUrl, ADMIN.email, ADMIN.password], {
          cwd: app,
          timeoutMs: 30_000,
        }),
        runCommand(process.execPath, ['out/host.js'], { cwd: app, timeoutMs: 30_000 }),
      ])
      expect(client.code, client.stderr).toBe(0)
      expect(JSON.parse(client.stdout)).toEqual({
        signedIn: true,
        me: ADMIN.email,
        database: server.database.dialect,
        users: [ADMIN.email],
        refused: 'BAD_REQUEST',
      })
      expect(host.code, host.stderr).toBe(0)
      expect(JSON.parse(host.stdout)).toEqual({ me: 'host@example.com' })
    },
  )
})
