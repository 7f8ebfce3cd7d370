import { once } from 'node:events'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { consoleFiles } from './serve-console.js'

// Serves `dir` as the server does: the console's files, or a JSON 404 when it declines.
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const files = consoleFiles(dir)
  const server = createServer(async (req, res) => {
    if (await files(req, res, (req.url ?? '/').split('?')[0]!)) return
    res.statusCode = 404
    res.end('{"error":"Not found"}')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

describe('consoleFiles', () => {
  let server: Server | undefined
  afterEach(() => server?.close())

  it('serves nothing when the console was not built', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trellis-console-none-'))
    const served = await serve(dir)
    server = served.server
    for (const path of ['/', '/users', '/index.html'])
      expect((await fetch(`${served.url}${path}`)).status).toBe(404)
  })

  it('serves files with their types, index.html for client routes, and nothing outside its folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'trellis-console-built-'))
    const dir = join(root, 'dist')
    await mkdir(join(dir, 'assets'), { recursive: true })
    await writeFile(join(dir, 'index.html'), '<p>console</p>')
    await writeFile(join(dir, 'assets', 'app-1a2b.js'), 'export {}')
    await writeFile(join(root, 'secret.txt'), 'not for browsers')
    const served = await serve(dir)
    server = served.server

    const index = await fetch(`${served.url}/`)
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(index.headers.get('cache-control')).toBe('no-cache')
    const script = await fetch(`${served.url}/assets/app-1a2b.js`)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(script.headers.get('cache-control')).toContain('immutable')
    expect(await (await fetch(`${served.url}/roles/admin`)).text()).toBe('<p>console</p>')
    // A missing file is not the app: a stale asset link must fail, not load HTML as script.
    expect((await fetch(`${served.url}/assets/gone.js`)).status).toBe(404)
    // Encoded traversal reaches the handler undecoded by fetch; it must stay inside dist.
    const traversal = await fetch(`${served.url}/assets/..%2f..%2fsecret.txt`)
    expect(traversal.status).toBe(404)
    expect(await traversal.text()).not.toContain('not for browsers')
    expect((await fetch(`${served.url}/`, { method: 'POST' })).status).toBe(404)
  })
})
