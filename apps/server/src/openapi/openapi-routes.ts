import type { IncomingMessage, ServerResponse } from 'node:http'
import { TRELLIS_VERSION } from '@trellis/api'
import { openApiDocument } from './openapi-document.js'
import { referencePage } from './reference-page.js'
import type { RestOperation } from './rest-operations.js'

/** Where the document and the reference page are served. */
export const OPENAPI_DOCUMENT_PATH = '/openapi.json'
export const API_REFERENCE_PATH = '/docs/api'

/**
 * Answers `GET /openapi.json` and `GET /docs/api` (written once: the router does not change
 * while the server runs); true if the path was one of them.
 */
export function openApiPages(operations: readonly RestOperation[]) {
  const documentJson = JSON.stringify(openApiDocument(operations))
  const page = referencePage(operations, TRELLIS_VERSION)
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    const served =
      path === OPENAPI_DOCUMENT_PATH
        ? { type: 'application/json', body: documentJson }
        : path === API_REFERENCE_PATH
          ? { type: 'text/html; charset=utf-8', body: page }
          : undefined
    if (!served) return false
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405
      res.setHeader('allow', 'GET, HEAD')
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ error: 'Method not allowed' }))
      return true
    }
    res.setHeader('content-type', served.type)
    res.setHeader('content-length', Buffer.byteLength(served.body))
    res.end(req.method === 'HEAD' ? undefined : served.body)
    return true
  }
}
