import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

// The published artefact, not the sources: what an app installing @trellis/sdk gets.
describe('the built SDK', () => {
  it('has declarations that pull in no server code', async () => {
    const declarations = await readFile(join(packageDir, 'dist/index.d.ts'), 'utf8')
    const imported = [...declarations.matchAll(/from\s+["']([^"']+)["']/g)].map((match) => match[1])
    expect(new Set(imported)).toEqual(new Set(['@trpc/client', '@trpc/server', '@trellis/core']))
    expect(declarations).not.toMatch(/kysely|@trellis\/db|@trellis\/api|@electric-sql|["']pg["']|argon2/i)
  })

  it('has JavaScript that imports only the tRPC client libraries and the pure model', async () => {
    const code = await readFile(join(packageDir, 'dist/index.js'), 'utf8')
    const imported = [...code.matchAll(/from\s+["']([^"']+)["']/g)].map((match) => match[1])
    // @trellis/core has no I/O and runs in browsers: the SDK shares its helpers, not copies.
    expect(new Set(imported)).toEqual(new Set(['@trellis/core', '@trpc/client', '@trpc/server/observable']))
  })

  // Installing the packed SDK outside the workspace, with npm and with pnpm, and type-checking
  // type-consumer/ against it: apps/server/src/packed-packages.e2e.test.ts.
})
