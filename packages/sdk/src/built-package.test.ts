import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)

/** Where an installed package's folder really is (pnpm links into its store). */
async function packageFolder(name: string): Promise<string> {
  return realpath(dirname(require.resolve(`${name}/package.json`)))
}

// The published artefact, not the sources: what an app installing @trellis/sdk gets.
describe('the built SDK', () => {
  it('has declarations that pull in no server code', async () => {
    const declarations = await readFile(join(packageDir, 'dist/index.d.ts'), 'utf8')
    const imported = [...declarations.matchAll(/from\s+["']([^"']+)["']/g)].map((match) => match[1])
    expect(new Set(imported)).toEqual(new Set(['@trpc/client', '@trpc/server', '@trellis/core']))
    expect(declarations).not.toMatch(/kysely|@trellis\/db|@trellis\/api|@electric-sql|["']pg["']|argon2/i)
  })

  it('has JavaScript that imports only the tRPC client libraries', async () => {
    const code = await readFile(join(packageDir, 'dist/index.js'), 'utf8')
    const imported = [...code.matchAll(/from\s+["']([^"']+)["']/g)].map((match) => match[1])
    expect(new Set(imported)).toEqual(new Set(['@trpc/client', '@trpc/server/observable']))
  })

  it('type-checks a consumer that has only the SDK and its dependencies installed', async () => {
    const app = await mkdtemp(join(tmpdir(), 'trellis-sdk-consumer-'))
    try {
      const modules = join(app, 'node_modules')
      await mkdir(join(modules, '@trellis/sdk'), { recursive: true })
      await mkdir(join(modules, '@trpc'), { recursive: true })
      await cp(join(packageDir, 'package.json'), join(modules, '@trellis/sdk/package.json'))
      await cp(join(packageDir, 'dist'), join(modules, '@trellis/sdk/dist'), { recursive: true })
      await symlink(await packageFolder('@trellis/core'), join(modules, '@trellis/core'))
      await symlink(await packageFolder('@trpc/client'), join(modules, '@trpc/client'))
      await symlink(await packageFolder('@trpc/server'), join(modules, '@trpc/server'))
      await cp(join(packageDir, 'type-consumer'), app, { recursive: true })
      await writeFile(join(app, 'package.json'), '{ "name": "consumer", "type": "module", "private": true }')

      const tsc = require.resolve('typescript/bin/tsc')
      const result = await run(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')]).catch(
        (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
      )
      expect(result.stdout).toBe('')
      expect('failed' in result).toBe(false)
    } finally {
      await rm(app, { recursive: true, force: true })
    }
  })
})
