import { createHash, randomBytes } from 'node:crypto'
import { createTrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addPerson } from './testing/add-person.js'
import { batchAnswers, countCodes, postBatch } from './testing/post-batch.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

const ACCOUNT_LIMIT = 5
const ADDRESS_LIMIT = 8

// Throttling under concurrency, over raw HTTP: batched calls and parallel requests from
// several client addresses (127.0.0.x) race for the same account, address or token.
describe('throttled logins and one-time tokens under concurrency', () => {
  let server: TestServer
  let adminId: string

  const login = (email: string, password: string) => ({ path: 'auth.login', input: { email, password } })
  const failuresOf = async (subject: string) =>
    (
      await server.database.db
        .selectFrom('login_failures')
        .select('id')
        .where('subject', '=', subject)
        .execute()
    ).length
  const loginFrom = async (address: string, email: string, password: string) =>
    (await batchAnswers(postBatch(server.trpcUrl, [login(email, password)], address)))[0]!

  beforeAll(async () => {
    server = await startTestServer({
      TRELLIS_LOGIN_MAX_FAILURES: String(ACCOUNT_LIMIT),
      TRELLIS_LOGIN_MAX_FAILURES_PER_ADDRESS: String(ADDRESS_LIMIT),
      TRELLIS_MAX_BATCH_SIZE: '60',
    })
    adminId = (
      await server.database.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'admin@trellis.local')
        .executeTakeFirstOrThrow()
    ).id
  })
  afterAll(() => server.stop())

  // Regression: one batch of 60 logins (the right password at position 46) had every guess
  // checked and the right one accepted; login_failures then held 59 rows for a limit of 5.
  it('checks at most the limit of passwords in one batch, and refuses the right one past it', async () => {
    await addPerson(server.database.db, 'batched@example.com', 'the right password', adminId)
    const calls = Array.from({ length: 60 }, (_, index) =>
      login('batched@example.com', index === 46 ? 'the right password' : `wrong guess ${index}`),
    )
    const answers = await batchAnswers(postBatch(server.trpcUrl, calls, '127.0.0.2'))
    expect(countCodes(answers)).toEqual({
      UNAUTHORIZED: ACCOUNT_LIMIT,
      TOO_MANY_REQUESTS: 60 - ACCOUNT_LIMIT,
    })
    expect(answers[46]).toMatchObject({ ok: false, code: 'TOO_MANY_REQUESTS' })
    expect(await failuresOf('email:batched@example.com')).toBe(ACCOUNT_LIMIT)
    const after = await loginFrom('127.0.0.3', 'batched@example.com', 'the right password')
    expect(after).toMatchObject({ ok: false, code: 'TOO_MANY_REQUESTS' })
  })

  // Regression: 40 parallel requests from 40 addresses each got a password check.
  it('checks at most the limit of passwords across parallel requests from many addresses', async () => {
    await addPerson(server.database.db, 'parallel@example.com', 'the right password', adminId)
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        loginFrom(`127.0.1.${index + 1}`, 'parallel@example.com', `wrong guess ${index}`),
      ),
    )
    expect(countCodes(answers)).toEqual({
      UNAUTHORIZED: ACCOUNT_LIMIT,
      TOO_MANY_REQUESTS: 40 - ACCOUNT_LIMIT,
    })
    expect(await failuresOf('email:parallel@example.com')).toBe(ACCOUNT_LIMIT)
    const after = await loginFrom('127.0.1.200', 'parallel@example.com', 'the right password')
    expect(after).toMatchObject({ ok: false, code: 'TOO_MANY_REQUESTS' })
  })

  it('counts an address across accounts, in one batch too', async () => {
    const calls = Array.from({ length: 30 }, (_, index) =>
      login(`sprayed-${index}@example.com`, 'sprayed guess'),
    )
    const answers = await batchAnswers(postBatch(server.trpcUrl, calls, '127.0.2.1'))
    expect(countCodes(answers)).toEqual({
      UNAUTHORIZED: ADDRESS_LIMIT,
      TOO_MANY_REQUESTS: 30 - ADDRESS_LIMIT,
    })
    expect(await failuresOf('ip:127.0.2.1')).toBe(ADDRESS_LIMIT)
  })

  it('forgives the account after a success, and a success is no failure of the address', async () => {
    await addPerson(server.database.db, 'forgiven@example.com', 'the right password', adminId)
    expect(await loginFrom('127.0.3.1', 'forgiven@example.com', 'a wrong guess')).toMatchObject({
      code: 'UNAUTHORIZED',
    })
    expect(await loginFrom('127.0.3.1', 'forgiven@example.com', 'the right password')).toMatchObject({
      ok: true,
    })
    expect(await failuresOf('email:forgiven@example.com')).toBe(0)
    expect(await failuresOf('ip:127.0.3.1')).toBe(1)
  })

  describe('one-time tokens', () => {
    const fakeToken = () => `trt_${randomBytes(32).toString('base64url')}`
    const reset = (token: string, newPassword = 'a brand new password') => ({
      path: 'auth.resetPassword',
      input: { token, newPassword },
    })
    const accept = (token: string, password = 'a brand new password') => ({
      path: 'invitations.accept',
      input: { token, password },
    })
    const resetToken = async (email: string) => {
      await addPerson(server.database.db, email, 'the old password', adminId)
      await postBatch(server.trpcUrl, [{ path: 'auth.requestPasswordReset', input: { email } }])
      return server.mail.latestMatch(server.database.db, email, /trt_[A-Za-z0-9_-]+/)
    }

    // Regression: the new password was checked and hashed (argon2) before the token, so
    // an invalid token cost a hash; now it is refused before the password is looked at.
    it('refuses an invalid token before looking at the password', async () => {
      const answers = await batchAnswers(
        postBatch(
          server.trpcUrl,
          [reset(fakeToken(), 'password1234'), accept(fakeToken(), 'password1234')],
          '127.0.4.1',
        ),
      )
      expect(answers).toEqual([
        { ok: false, code: 'UNAUTHORIZED', message: 'Invalid or missing credentials' },
        { ok: false, code: 'UNAUTHORIZED', message: 'Invalid or missing credentials' },
      ])
    })

    it('throttles invalid reset tokens per address, in one batch too; the right token then waits', async () => {
      const token = await resetToken('resetter@example.com')
      const guesses = Array.from({ length: 20 }, () => reset(fakeToken()))
      const answers = await batchAnswers(postBatch(server.trpcUrl, guesses, '127.0.5.1'))
      expect(countCodes(answers)).toEqual({
        UNAUTHORIZED: ADDRESS_LIMIT,
        TOO_MANY_REQUESTS: 20 - ADDRESS_LIMIT,
      })
      const [refused] = await batchAnswers(postBatch(server.trpcUrl, [reset(token)], '127.0.5.1'))
      expect(refused).toMatchObject({ ok: false, code: 'TOO_MANY_REQUESTS' })
      const [elsewhere] = await batchAnswers(postBatch(server.trpcUrl, [reset(token)], '127.0.5.2'))
      expect(elsewhere).toMatchObject({ ok: true })
    })

    it('throttles invalid invitation tokens per address, in one batch too', async () => {
      const guesses = Array.from({ length: 20 }, () => accept(fakeToken()))
      const answers = await batchAnswers(postBatch(server.trpcUrl, guesses, '127.0.6.1'))
      expect(countCodes(answers)).toEqual({
        UNAUTHORIZED: ADDRESS_LIMIT,
        TOO_MANY_REQUESTS: 20 - ADDRESS_LIMIT,
      })
      expect(await failuresOf('ip:127.0.6.1')).toBe(ADDRESS_LIMIT)
    })

    it('lets one of many concurrent spends of a token win, hashing for at most the limit', async () => {
      const token = await resetToken('racer@example.com')
      const spends = Array.from({ length: 12 }, (_, index) => reset(token, `racing password ${index}`))
      const answers = await Promise.all(
        spends.map((spend, index) =>
          batchAnswers(postBatch(server.trpcUrl, [spend], `127.0.7.${index + 1}`)),
        ),
      )
      const codes = countCodes(answers.flat())
      expect(codes.ok).toBe(1)
      // Past the per-token limit, a spend is refused before its token or password is looked at.
      expect(codes.TOO_MANY_REQUESTS).toBeGreaterThanOrEqual(12 - ACCOUNT_LIMIT - 1)
      const tokenHash = createHash('sha256').update(token).digest('hex')
      expect(await failuresOf(`token:${tokenHash}`)).toBeLessThanOrEqual(ACCOUNT_LIMIT)
    })

    it('accepts a valid invitation once, from a throttled-free address', async () => {
      const admin = createTrellisClient({ url: server.trpcUrl })
      await admin.auth.login.mutate({ email: 'admin@trellis.local', password: 'correct horse battery' })
      await admin.invitations.create.mutate({
        email: 'invitee@example.com',
        role: 'admin',
        parentId: adminId,
      })
      const token = await server.mail.latestMatch(
        server.database.db,
        'invitee@example.com',
        /tri_[A-Za-z0-9_-]+/,
      )
      const [accepted] = await batchAnswers(postBatch(server.trpcUrl, [accept(token)], '127.0.8.1'))
      expect(accepted).toMatchObject({ ok: true, data: { status: 'active' } })
      const [again] = await batchAnswers(postBatch(server.trpcUrl, [accept(token)], '127.0.8.1'))
      expect(again).toMatchObject({ ok: false, code: 'UNAUTHORIZED' })
    })
  })
})
