import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('.', import.meta.url))
// The console is an SDK user like any other app: no server package, no app, ever.
const ALLOWED = [
  /^\.\//,
  /^@trellis\/sdk$/,
  /^@trpc\/(client|tanstack-react-query)$/,
  /^@tanstack\/react-query$/,
  /^react(-dom\/client)?$/,
  /^vitest$/,
  /^node:/,
]

describe('the console imports', () => {
  it('only the SDK, tRPC, TanStack Query and React (no @trellis/api, db, core or apps/server)', async () => {
    const files = (await readdir(SRC)).filter((name) => /\.tsx?$/.test(name) && !name.includes('.test.'))
    expect(files.length).toBeGreaterThan(10)
    const imports = new Set<string>()
    for (const file of files) {
      const text = await readFile(join(SRC, file), 'utf8')
      for (const match of text.matchAll(/from '([^']+)'|import '([^']+)'/g))
        imports.add((match[1] ?? match[2])!)
    }
    expect([...imports].filter((name) => !ALLOWED.some((pattern) => pattern.test(name)))).toEqual([])
    expect(imports).toContain('@trellis/sdk')
  })
})
