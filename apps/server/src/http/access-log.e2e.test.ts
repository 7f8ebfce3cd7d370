import { createTrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const INFO = 30

// The access log: one info line per call, over real HTTP.
describe('the access log', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.stop())

  const callLines = (requestId: string) =>
    server.logs.filter((line) => line.msg === 'Call' && line.requestId === requestId)

  it('writes one info line per call: procedure, caller, outcome, duration and request id', async () => {
    // The SDK client keeps the session it signs in with.
    const admin = createTrellisClient({ url: server.trpcUrl })
    const { user } = await admin.auth.login.mutate(ADMIN)
    await admin.system.ping.query({ echo: 'hello' })
    const wrong = await fetch(`${server.trpcUrl}/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-wrong-password' },
      body: JSON.stringify({ email: ADMIN.email, password: 'a wrong password' }),
    })
    expect(wrong.status).toBe(401)

    const calls = server.logs.filter((line) => line.msg === 'Call')
    expect(calls.find((line) => line.procedure === 'system.ping')).toEqual({
      level: INFO,
      time: expect.any(Number),
      service: 'trellis',
      msg: 'Call',
      requestId: expect.any(String),
      procedure: 'system.ping',
      callerId: user.id,
      outcome: 'OK',
      ms: expect.any(Number),
    })
    expect(callLines('req-wrong-password')).toEqual([
      expect.objectContaining({
        level: INFO,
        procedure: 'auth.login',
        callerId: null,
        outcome: 'UNAUTHORIZED',
      }),
    ])
  })

  it('logs a batch as one line per call, all with the request id', async () => {
    const response = await fetch(
      `${server.trpcUrl}/system.ping,system.info?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { echo: 'a' }, 1: {} }))}`,
      {
        headers: { 'x-request-id': 'req-batch' },
      },
    )
    expect(response.status).toBe(200)
    expect(callLines('req-batch').map((line) => [line.procedure, line.outcome])).toEqual(
      expect.arrayContaining([
        ['system.ping', 'OK'],
        ['system.info', 'OK'],
      ]),
    )
    expect(callLines('req-batch')).toHaveLength(2)
  })

  it('never logs a call input: passwords and tokens stay out', async () => {
    const anonymous = createTrellisClient({ url: server.trpcUrl })
    await anonymous.auth.requestPasswordReset.mutate({ email: ADMIN.email })
    const token = await server.mail.latestMatch(server.database.db, ADMIN.email, /trt_[A-Za-z0-9_-]+/)
    await anonymous.auth.resetPassword.mutate({ token, newPassword: 'a secret new password' })
    const logged = JSON.stringify(server.logs)
    for (const secret of [token, 'a secret new password', 'a wrong password', ADMIN.password]) {
      expect(logged).not.toContain(secret)
    }
    const reset = server.logs.filter((line) => line.msg === 'Call' && line.procedure === 'auth.resetPassword')
    expect(reset).toEqual([expect.objectContaining({ level: INFO, outcome: 'OK', callerId: null })])
  })
})
