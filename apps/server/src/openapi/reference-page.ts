import type { RestOperation } from './rest-operations.js'

/**
 * The browsable API reference (`/docs/api`): one self-contained HTML page, written on the
 * server from the same operations as `/openapi.json`, with no script and nothing fetched
 * from elsewhere, so it works offline and cannot disagree with the document.
 */
export function referencePage(operations: readonly RestOperation[], version: string): string {
  // Grouped by router (`users`, `records`, ...); Map.groupBy is not in Node 20.
  const groups = new Map<string, RestOperation[]>()
  for (const operation of operations) {
    const group = operation.procedure.split('.')[0] ?? ''
    groups.set(group, [...(groups.get(group) ?? []), operation])
  }
  const sections = [...groups].map(
    ([group, members]) =>
      `<section><h2 id="${escapeHtml(group)}">${escapeHtml(group)}</h2>${members.map(operationHtml).join('')}</section>`,
  )
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trellis API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f5f5f5;padding:.5rem;overflow:auto}
.op{border-top:1px solid #ddd;padding:.5rem 0}.method{display:inline-block;width:3.5rem;font-weight:bold}
details summary{cursor:pointer;color:#555}
</style></head><body>
<h1>Trellis API ${escapeHtml(version)}</h1>
<p>The machine-readable document is <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1).
Reads are <code>GET</code> with the input as query parameters (strings as written, other values as JSON text);
writes are <code>POST</code> with a JSON body. Send <code>Authorization: Bearer &lt;API key or session token&gt;</code>.
Errors are JSON: <code>code</code>, <code>message</code>, <code>reason</code>, <code>inputIssues</code>, with the HTTP status.</p>
<nav>${[...groups.keys()].map((group) => `<a href="#${escapeHtml(group)}">${escapeHtml(group)}</a>`).join(' · ')}</nav>
${sections.join('\n')}
</body></html>
`
}

function operationHtml(operation: RestOperation): string {
  const input = operation.input
    ? `<details><summary>input</summary><pre>${escapeHtml(JSON.stringify(operation.input, null, 2))}</pre></details>`
    : '<div>no input</div>'
  return `<div class="op" id="${escapeHtml(operation.procedure)}"><span class="method">${operation.method.toUpperCase()}</span><code>${escapeHtml(operation.path)}</code> — <code>${escapeHtml(operation.procedure)}</code> ${operation.type}${input}</div>`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
