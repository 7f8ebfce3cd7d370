import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')
}

function anchorsIn(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '')
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1] ?? '')))
}

function linksIn(page: string): string[] {
  const text = readFileSync(join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '')
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '')
}

// Regression (issue 12): the README linked ../shared/MODEL.md, outside the repository, and
// moving sections to docs/ breaks every `#anchor` that now lives in another file.
describe('the documentation links', () => {
  it('finds the README and the docs pages', () => {
    expect(PAGES).toEqual(
      expect.arrayContaining(['README.md', 'docs/README.md', 'docs/model.md', 'docs/configuration.md']),
    )
  })

  it.each(PAGES)('%s links only to files and headings inside the repository', (page) => {
    const broken: string[] = []
    for (const link of linksIn(page)) {
      if (/^[a-z]+:/.test(link)) continue
      const [path = '', anchor] = link.split('#')
      const target = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path)
      if (relative(ROOT, target).startsWith('..') || !existsSync(target)) {
        broken.push(`${link}: no such file in the repository`)
      } else if (anchor && (statSync(target).isDirectory() || !anchorsIn(target).has(anchor))) {
        broken.push(`${link}: no such heading`)
      }
    }
    expect(broken).toEqual([])
  })

  it.each(PAGES)('%s mentions nothing under ../shared', (page) => {
    expect(readFileSync(join(ROOT, page), 'utf8')).not.toContain('../shared')
  })
})
