import { createTrellisClient, memoryTokenStore, type TrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addPerson as addPersonUnder } from './testing/add-person.js'
import { callFailure as failure } from './testing/call-failure.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const GENERIC = 'Invalid or missing credentials'

// Identity over real HTTP, through the built SDK.
describe('authentication end to end', () => {
  let server: TestServer
  const client = (token?: string | null): TrellisClient =>
    createTrellisClient({ url: server.trpcUrl, ...(token ? { token } : {}) })

  /** An active person with a password, under the first administrator. */
  async function addPerson(email: string, password: string): Promise<string> {
    const admin = await server.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', ADMIN.email)
      .executeTakeFirstOrThrow()
    return addPersonUnder(server.database.db, email, password, admin.id)
  }

  beforeAll(async () => {
    server = await startTestServer({
      TRELLIS_LOGIN_MAX_FAILURES: '3',
      TRELLIS_LOGIN_MAX_FAILURES_PER_ADDRESS: '12',
    })
  })
  afterAll(() => server.stop())

  it('logs in, keeps the token, and calls as the signed-in user', async () => {
    const trellis = client()
    const login = await trellis.auth.login.mutate(ADMIN)
    expect(login.token).toMatch(/^trs_[A-Za-z0-9_-]{43}$/)
    expect(login.user.email).toBe(ADMIN.email)
    await expect(trellis.auth.me.query()).resolves.toMatchObject({ email: ADMIN.email })
    const users = await trellis.users.list.query({})
    expect(users.items.map((user) => user.email)).toContain(ADMIN.email)
    const stored = await server.database.db.selectFrom('sessions').select('token_hash').execute()
    expect(stored.map((row) => row.token_hash)).not.toContain(login.token)
  })

  it('answers a wrong password and an unknown email with the same UNAUTHORIZED', async () => {
    const wrong = await failure(
      client().auth.login.mutate({ email: ADMIN.email, password: 'not the password' }),
    )
    const unknown = await failure(
      client().auth.login.mutate({ email: 'nobody@example.com', password: 'whatever123' }),
    )
    expect(wrong).toEqual({ code: 'UNAUTHORIZED', message: GENERIC })
    expect(unknown).toEqual({ code: 'UNAUTHORIZED', message: GENERIC })
  })

  it('refuses a malformed, unknown or non-bearer Authorization header on any procedure', async () => {
    for (const authorization of [
      'Bearer',
      'Basic YWRtaW46YWRtaW4=',
      'Bearer trs_doesnotexist0000',
      'Bearer a b',
    ]) {
      const response = await fetch(`${server.trpcUrl}/system.info`, { headers: { authorization } })
      expect(response.status).toBe(401)
      const body = (await response.json()) as { error: { message: string; data: { code: string } } }
      expect(body.error).toMatchObject({ message: GENERIC, data: { code: 'UNAUTHORIZED' } })
    }
    const anonymous = await fetch(`${server.trpcUrl}/system.info`)
    expect(anonymous.status).toBe(200)
  })

  it('ends the session on logout: the old token is refused, the client is anonymous again', async () => {
    const store = memoryTokenStore()
    const trellis = createTrellisClient({ url: server.trpcUrl, tokenStore: store })
    const { token } = await trellis.auth.login.mutate(ADMIN)
    await trellis.auth.logout.mutate()
    expect(store.get()).toBeUndefined()
    expect(await failure(client(token).auth.me.query())).toEqual({ code: 'UNAUTHORIZED', message: GENERIC })
    expect((await failure(trellis.auth.me.query())).code).toBe('UNAUTHORIZED')
  })

  it('ends every session on logoutEverywhere', async () => {
    const first = client()
    const second = client()
    await first.auth.login.mutate(ADMIN)
    const { token } = await second.auth.login.mutate(ADMIN)
    await first.auth.logoutEverywhere.mutate()
    expect((await failure(client(token).auth.me.query())).code).toBe('UNAUTHORIZED')
  })

  it('surfaces an expired session as a typed UNAUTHORIZED', async () => {
    const trellis = client()
    const { token } = await trellis.auth.login.mutate(ADMIN)
    await server.database.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute()
    expect(await failure(client(token).auth.me.query())).toEqual({ code: 'UNAUTHORIZED', message: GENERIC })
  })

  it('changes a password: other sessions end, this one stays, weak passwords are refused', async () => {
    await addPerson('changer@example.com', 'first password 1')
    const here = client()
    const elsewhere = client()
    await here.auth.login.mutate({ email: 'changer@example.com', password: 'first password 1' })
    await elsewhere.auth.login.mutate({ email: 'changer@example.com', password: 'first password 1' })
    const common = await failure(
      here.auth.changePassword.mutate({ currentPassword: 'first password 1', newPassword: 'Password1234' }),
    )
    expect(common.code).toBe('BAD_REQUEST')
    const short = await failure(
      here.auth.changePassword.mutate({ currentPassword: 'first password 1', newPassword: 'short' }),
    )
    expect(short.code).toBe('BAD_REQUEST')
    const wrongCurrent = await failure(
      here.auth.changePassword.mutate({ currentPassword: 'not it at all', newPassword: 'second password 2' }),
    )
    expect(wrongCurrent.code).toBe('UNAUTHORIZED')
    await here.auth.changePassword.mutate({
      currentPassword: 'first password 1',
      newPassword: 'second password 2',
    })
    await expect(here.auth.me.query()).resolves.toMatchObject({ email: 'changer@example.com' })
    expect((await failure(elsewhere.auth.me.query())).code).toBe('UNAUTHORIZED')
    await expect(
      client().auth.login.mutate({ email: 'changer@example.com', password: 'second password 2' }),
    ).resolves.toMatchObject({ user: { email: 'changer@example.com' } })
  })

  it('recovers a password with a one-time token sent through the outbox', async () => {
    await addPerson('forgetful@example.com', 'forgotten password')
    const signedIn = client()
    await signedIn.auth.login.mutate({ email: 'forgetful@example.com', password: 'forgotten password' })
    const known = await client().auth.requestPasswordReset.mutate({ email: 'Forgetful@example.com' })
    const unknown = await client().auth.requestPasswordReset.mutate({ email: 'ghost@example.com' })
    expect(known).toEqual(unknown)
    const token = await server.mail.latestMatch(
      server.database.db,
      'forgetful@example.com',
      /trt_[A-Za-z0-9_-]+/,
    )
    const mails = await server.database.db.selectFrom('outbox').select(['recipient', 'body']).execute()
    expect(mails.map((mail) => mail.recipient)).toEqual(['forgetful@example.com'])
    // Guards against tokens kept in clear: the sent mail's body is gone from the outbox.
    expect(mails[0]!.body).toBe('')
    const stored = await server.database.db.selectFrom('one_time_tokens').select('token_hash').execute()
    expect(JSON.stringify(stored)).not.toContain(token)

    await client().auth.resetPassword.mutate({ token: token, newPassword: 'remembered password' })
    expect((await failure(signedIn.auth.me.query())).code).toBe('UNAUTHORIZED')
    const reused = await failure(
      client().auth.resetPassword.mutate({ token: token, newPassword: 'yet another one' }),
    )
    expect(reused).toEqual({ code: 'UNAUTHORIZED', message: GENERIC })
    await expect(
      client().auth.login.mutate({ email: 'forgetful@example.com', password: 'remembered password' }),
    ).resolves.toMatchObject({ user: { email: 'forgetful@example.com' } })
  })

  it('refuses an expired reset token', async () => {
    await addPerson('late@example.com', 'a fine password')
    await client().auth.requestPasswordReset.mutate({ email: 'late@example.com' })
    const token = await server.mail.latestMatch(server.database.db, 'late@example.com', /trt_[A-Za-z0-9_-]+/)
    await server.database.db
      .updateTable('one_time_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute()
    expect(
      (await failure(client().auth.resetPassword.mutate({ token, newPassword: 'too late password' }))).code,
    ).toBe('UNAUTHORIZED')
  })

  it("refuses a deactivated user's old session at once", async () => {
    const userId = await addPerson('leaver@example.com', 'leaving password')
    const leaver = client()
    const { token } = await leaver.auth.login.mutate({
      email: 'leaver@example.com',
      password: 'leaving password',
    })
    const admin = client()
    await admin.auth.login.mutate(ADMIN)
    await admin.users.deactivate.mutate({ id: userId })
    expect(await failure(client(token).auth.me.query())).toEqual({ code: 'UNAUTHORIZED', message: GENERIC })
    expect(
      (
        await failure(
          client().auth.login.mutate({ email: 'leaver@example.com', password: 'leaving password' }),
        )
      ).code,
    ).toBe('UNAUTHORIZED')
  })

  it('answers an authenticated malformed or oversized body with a typed 4xx, never a 500', async () => {
    const { token } = await client().auth.login.mutate(ADMIN)
    const post = (body: string) =>
      fetch(`${server.trpcUrl}/users.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      })
    const malformed = await post('{"email": "a@example.com",')
    expect(malformed.status).toBe(400)
    const oversized = await post(JSON.stringify({ email: 'x'.repeat(2 * 1024 * 1024) }))
    expect(oversized.status).toBe(413)
    await expect(client(token).auth.me.query()).resolves.toMatchObject({ email: ADMIN.email })
  })

  it('slows and then refuses repeated failed logins for an account, even with the right password', async () => {
    await addPerson('target@example.com', 'the right password')
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await failure(
        client().auth.login.mutate({ email: 'target@example.com', password: 'guess number x' }),
      )
      expect(refused.code).toBe('UNAUTHORIZED')
    }
    const locked = await failure(
      client().auth.login.mutate({ email: 'target@example.com', password: 'the right password' }),
    )
    expect(locked.code).toBe('TOO_MANY_REQUESTS')
  })

  it('refuses a client address that fails across many accounts', async () => {
    await server.database.db.deleteFrom('login_failures').execute()
    for (let attempt = 0; attempt < 12; attempt++) {
      const refused = await failure(
        client().auth.login.mutate({ email: `spray-${attempt}@example.com`, password: 'sprayed password' }),
      )
      expect(refused.code).toBe('UNAUTHORIZED')
    }
    const locked = await failure(client().auth.login.mutate(ADMIN))
    expect(locked.code).toBe('TOO_MANY_REQUESTS')
    await server.database.db.deleteFrom('login_failures').execute()
  })

  it('never writes a password or a token to its logs', async () => {
    const { token } = await client().auth.login.mutate(ADMIN)
    const logged = JSON.stringify(server.logs)
    for (const secret of [
      ADMIN.password,
      'first password 1',
      'second password 2',
      'remembered password',
      token,
    ]) {
      expect(logged).not.toContain(secret)
    }
    expect(server.logs.length).toBeGreaterThan(10)
  })
})
