import type { ErrorData } from '@trellis/api'
import { migrations } from '@trellis/db'
import { createTrellisClient, isTrellisError, type TrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

/** A tRPC error reply read over raw HTTP. */
async function errorReply(response: Response) {
  return (await response.json()) as { error: { message: string; data: ErrorData } }
}

// The real server over real HTTP, called through the built SDK.
describe('server end to end', () => {
  let server: TestServer
  let client: TrellisClient
  beforeAll(async () => {
    server = await startTestServer()
    client = createTrellisClient({ url: server.trpcUrl })
  })
  afterAll(() => server.stop())

  async function expectStillServing() {
    await expect(client.system.ping.query({ echo: 'still here' })).resolves.toMatchObject({
      echo: 'still here',
    })
  }

  it('answers a typed call through the SDK', async () => {
    const info = await client.system.info.query()
    expect(info).toEqual({
      name: 'trellis',
      version: expect.any(String),
      database: server.database.dialect,
      schemaVersion: Object.keys(migrations).at(-1),
    })
  })

  it('batches calls made together', async () => {
    const [info, pong] = await Promise.all([
      client.system.info.query(),
      client.system.ping.query({ echo: 'batched' }),
    ])
    expect(info.name).toBe('trellis')
    expect(pong.echo).toBe('batched')
  })

  it('reports its health after checking the database', async () => {
    const response = await fetch(`${server.url}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', database: server.database.dialect })
    expect((await fetch(`${server.url}/health`, { method: 'POST' })).status).toBe(405)
  })

  it('answers input that fails validation with BAD_REQUEST and the zod issues', async () => {
    const error = await client.system.ping.query({ echo: '' }).catch((caught: unknown) => caught)
    expect(isTrellisError(error)).toBe(true)
    if (!isTrellisError(error)) return
    expect(error.data?.code).toBe('BAD_REQUEST')
    expect(error.data?.httpStatus).toBe(400)
    expect(error.message).toBe('Invalid input: echo: Too small: expected string to have >=1 characters')
    expect(error.data?.inputIssues).toEqual([
      { code: 'too_small', path: ['echo'], message: 'Too small: expected string to have >=1 characters' },
    ])
    await expectStillServing()
  })

  it('answers input of the wrong type with BAD_REQUEST over raw HTTP', async () => {
    const input = encodeURIComponent(JSON.stringify({ echo: 42 }))
    const response = await fetch(`${server.trpcUrl}/system.ping?input=${input}`)
    expect(response.status).toBe(400)
    const body = await errorReply(response)
    expect(body.error.data.code).toBe('BAD_REQUEST')
    expect(body.error.data.inputIssues?.[0]).toMatchObject({ code: 'invalid_type', path: ['echo'] })
    await expectStillServing()
  })

  it('answers malformed JSON input with BAD_REQUEST, not a 500', async () => {
    const response = await fetch(`${server.trpcUrl}/system.ping?input=${encodeURIComponent('{"echo":')}`)
    expect(response.status).toBe(400)
    const body = await errorReply(response)
    expect(body.error.data.code).toBe('BAD_REQUEST')
    expect(body.error.message).toMatch(/JSON/)
    await expectStillServing()
  })

  it('answers a POST to a query with METHOD_NOT_SUPPORTED, whatever its body', async () => {
    const response = await fetch(`${server.trpcUrl}/system.ping`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    })
    expect(response.status).toBe(405)
    const body = await errorReply(response)
    expect(body.error.data.code).toBe('METHOD_NOT_SUPPORTED')
    await expectStillServing()
  })

  it('answers an anonymous call to a gated procedure with UNAUTHORIZED', async () => {
    const error = await client.users.list.query({}).catch((caught: unknown) => caught)
    expect(isTrellisError(error) && error.data?.code).toBe('UNAUTHORIZED')
    expect(isTrellisError(error) && error.message).toBe('Invalid or missing credentials')
    await expectStillServing()
  })

  // The gate runs before the body is read, so an anonymous caller's malformed or huge
  // body is never parsed: it gets the same typed UNAUTHORIZED as any anonymous call.
  it('answers an anonymous malformed or oversized mutation body with UNAUTHORIZED, unread', async () => {
    for (const body of [
      '{"email": "a@example.com",',
      JSON.stringify({ email: 'x'.repeat(2 * 1024 * 1024) }),
    ]) {
      const response = await fetch(`${server.trpcUrl}/users.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      expect(response.status).toBe(401)
      expect((await errorReply(response)).error.data.code).toBe('UNAUTHORIZED')
    }
    await expectStillServing()
  })

  it('answers an unknown procedure with NOT_FOUND', async () => {
    const response = await fetch(`${server.trpcUrl}/system.nothing`)
    expect(response.status).toBe(404)
    const body = await errorReply(response)
    expect(body.error.data.code).toBe('NOT_FOUND')
    await expectStillServing()
  })

  it('answers an unknown path with a JSON 404', async () => {
    const response = await fetch(`${server.url}/admin.php`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'Not found' })
  })

  it('tags every reply with a request id and logs calls without their input', async () => {
    const response = await fetch(
      `${server.trpcUrl}/system.ping?input=${encodeURIComponent('{"echo":"secret-ish"}')}`,
      {
        headers: { 'x-request-id': 'req-123' },
      },
    )
    expect(response.headers.get('x-request-id')).toBe('req-123')
    const logged = server.logs.filter((line) => line.requestId === 'req-123')
    expect(logged).toContainEqual(expect.objectContaining({ path: '/trpc/system.ping', status: 200 }))
    expect(JSON.stringify(server.logs)).not.toContain('secret-ish')
  })
})
