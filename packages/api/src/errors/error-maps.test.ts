import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SOURCE = join(import.meta.dirname, '..')

/** Whether a module's code (not its comments) constructs a tRPC error. */
const buildsErrors = (code: string) =>
  code
    .split('\n')
    .map((line) => line.trim())
    .some((line) => !/^(\*|\/\/|\/\*)/.test(line) && /\bnew (TrellisError|TRPCError)\(/.test(line))

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

// A refusal is made in its feature's error map, so one cause has one message and one reason.
describe('error maps', () => {
  it('are the only modules that build an error a caller sees', () => {
    const builders = sourceFiles(SOURCE)
      .filter((file) => buildsErrors(readFileSync(file, 'utf8')))
      .map((file) => relative(SOURCE, file))
    expect(builders.length).toBeGreaterThan(5)
    expect(builders.filter((file) => !file.endsWith('-errors.ts'))).toEqual([])
  })
})
