import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../testing/start-test-server.js'

// A plain JSON call is answered whole by our handler; a streamed batch by tRPC's adapter.
describe('the tRPC handler', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.stop())

  it('answers a plain call in one body with its length, not chunked', async () => {
    const response = await fetch(`${server.trpcUrl}/system.info`)
    const body = await response.text()
    expect(response.status).toBe(200)
    expect(response.headers.get('transfer-encoding')).toBeNull()
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(body)))
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('vary')).toBe('trpc-accept, accept, Origin')
    expect(JSON.parse(body)).toMatchObject({ result: { data: { name: 'trellis' } } })
  })

  it('reads a POST body that starts with a byte order mark, as Request.json() does', async () => {
    const response = await fetch(`${server.trpcUrl}/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: `\uFEFF${JSON.stringify({ email: 'nobody@example.com', password: 'a wrong guess' })}`,
    })
    const body = (await response.json()) as { error: { data: { code: string } } }
    expect(response.status).toBe(401)
    expect(body.error.data.code).toBe('UNAUTHORIZED')
  })

  it('still streams a batch that asks for it, through tRPC’s own adapter', async () => {
    const response = await fetch(`${server.trpcUrl}/system.info,system.info?batch=1&input={}`, {
      headers: { 'trpc-accept': 'application/jsonl' },
    })
    const lines = (await response.text()).trim().split('\n')
    expect(response.status).toBe(200)
    expect(response.headers.get('transfer-encoding')).toBe('chunked')
    expect(lines.length).toBeGreaterThan(1)
    expect(lines.join('\n')).toContain('"name":"trellis"')
  })
})
