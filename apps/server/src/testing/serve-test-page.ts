import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TestPage {
  /** The page's origin, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string
  close(): Promise<void>
}

/**
 * Serves one HTML page at `/` on an ephemeral loopback port: a page of its own origin,
 * for a browser test to play a site that calls Trellis. It has `window.callTrellis`,
 * which makes one fetch and reports what the page could see (`blocked` when the browser
 * kept the answer from it), and writes each outcome into the page.
 */
export async function serveTestPage(title: string, apiUrl: () => string): Promise<TestPage> {
  // Built per request: the API may start after the page, once it knows the page's origin.
  const html = () => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px monospace;margin:16px}h1{font-size:18px}.blocked{color:#b00}.ok{color:#070}</style></head>
<body><h1>${title}</h1><p>calls ${apiUrl()}</p><ol id="log"></ol>
<script>
window.callTrellis = async (label, path, init) => {
  let outcome
  try {
    const response = await fetch(${JSON.stringify(apiUrl())} + '/' + path, init)
    const body = init.mode === 'no-cors' ? null : await response.json()
    outcome = { status: response.status, type: response.type, body }
  } catch (error) {
    outcome = { blocked: String(error) }
  }
  const line = document.createElement('li')
  line.className = outcome.blocked || outcome.type === 'opaque' ? 'blocked' : 'ok'
  line.textContent = label + ': ' + (outcome.blocked ? 'blocked by the browser'
    : outcome.type === 'opaque' ? 'sent, answer unreadable (no-cors)'
    : outcome.status + ' ' + JSON.stringify(outcome.body))
  document.getElementById('log').append(line)
  return outcome
}
</script></body></html>`
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(req.url === '/' ? html() : '')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
