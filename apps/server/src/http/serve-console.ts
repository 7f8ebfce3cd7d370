import { createReadStream, existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
}

/**
 * Serves the built web console (`apps/console/dist`) from `dir`: its files, and its
 * `index.html` for any other GET of a path without an extension, so client-side routes
 * (`/users`, `/accept?token=…`) survive a reload. Answers false (the caller goes on) when
 * the console was not built, the method is not GET/HEAD, or nothing matches.
 */
export function consoleFiles(dir: string) {
  const root = normalize(dir)
  const index = join(root, 'index.html')
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !existsSync(index)) return false
    let decoded: string
    try {
      decoded = decodeURIComponent(path)
    } catch {
      return false
    }
    // normalize() resolves `..`; a path that still leaves the folder is not ours to serve.
    const file = normalize(join(root, decoded))
    if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return false
    const found = await stat(file).then(
      (info) => (info.isFile() ? file : undefined),
      () => undefined,
    )
    const served = found ?? (extname(decoded) === '' ? index : undefined)
    if (!served) return false
    res.statusCode = 200
    res.setHeader('content-type', CONTENT_TYPES[extname(served)] ?? 'application/octet-stream')
    // Vite names assets by content hash, so they never change; index.html always may.
    res.setHeader(
      'cache-control',
      served.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    )
    res.setHeader('x-content-type-options', 'nosniff')
    if (req.method === 'HEAD') {
      res.end()
      return true
    }
    await new Promise<void>((resolve, reject) => {
      createReadStream(served).on('error', reject).pipe(res).on('finish', resolve)
    })
    return true
  }
}
