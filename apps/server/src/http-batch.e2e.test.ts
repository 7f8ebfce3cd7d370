import { createTrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postBatch } from './testing/post-batch.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

// The size of one batched HTTP request, with the default cap (TRELLIS_MAX_BATCH_SIZE=10).
describe('batched HTTP requests', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.stop())

  const logins = (count: number) =>
    Array.from({ length: count }, () => ({
      path: 'auth.login',
      input: { email: 'nobody@example.com', password: 'a wrong guess' },
    }))

  // Regression: one request could carry any number of calls (60 logins ran in one batch).
  it('refuses a batch over the cap whole, with a typed 400 and no call run', async () => {
    const reply = await postBatch(server.trpcUrl, logins(11))
    expect(reply.status).toBe(400)
    expect(JSON.stringify(reply.body)).toContain('Batch call exceeds maximum size')
    expect(JSON.stringify(reply.body)).toContain('"code":"BAD_REQUEST"')
    const failures = await server.database.db.selectFrom('login_failures').select('id').execute()
    expect(failures).toEqual([])
  })

  it('runs a batch at the cap', async () => {
    const reply = await postBatch(server.trpcUrl, logins(10))
    expect(reply.body).toHaveLength(10)
    expect(JSON.stringify(reply.body)).not.toContain('Batch call exceeds maximum size')
  })

  it('lets the SDK run more concurrent calls than the cap: it splits its batches', async () => {
    const trellis = createTrellisClient({ url: server.trpcUrl })
    const infos = await Promise.all(Array.from({ length: 25 }, () => trellis.system.info.query()))
    expect(infos).toHaveLength(25)
  })
})
