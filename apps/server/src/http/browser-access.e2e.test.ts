import { createTrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const ALLOWED = 'http://127.0.0.1:5173'
const FOREIGN = 'http://127.0.0.1:6666'
const CSRF = { 'x-trellis-csrf': '1' }

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly data: unknown
  readonly error: { message: string; data: { code: string; httpStatus: number } } | undefined
}

// CORS and the browsers' cookie session over raw HTTP, as a browser's fetch would send it.
describe('browsers: CORS, cookie sessions and CSRF', () => {
  let server: TestServer

  async function call(
    type: 'query' | 'mutation',
    path: string,
    headers: Record<string, string> = {},
    input?: unknown,
  ): Promise<Answer> {
    const response = await fetch(`${server.trpcUrl}/${path}`, {
      method: type === 'query' ? 'GET' : 'POST',
      headers: type === 'mutation' ? { 'content-type': 'application/json', ...headers } : headers,
      ...(type === 'mutation' ? { body: JSON.stringify(input ?? null) } : {}),
    })
    const body = (await response.json()) as { result?: { data: unknown }; error?: Answer['error'] }
    return { status: response.status, headers: response.headers, data: body.result?.data, error: body.error }
  }

  /** Logs in asking for a cookie session; returns the `Cookie` header that session sends. */
  async function cookieLogin(): Promise<{ cookie: string; answer: Answer }> {
    const answer = await call(
      'mutation',
      'auth.login',
      { origin: ALLOWED, 'x-trellis-session': 'cookie', ...CSRF },
      ADMIN,
    )
    const setCookie = answer.headers.getSetCookie()
    expect(setCookie).toHaveLength(1)
    return { cookie: setCookie[0]!.split(';')[0]!, answer }
  }

  beforeAll(async () => {
    server = await startTestServer({ TRELLIS_CORS_ORIGINS: `${ALLOWED}, https://app.example.com` })
  })
  afterAll(() => server.stop())

  it('gives an allowed origin the CORS headers with credentials, and any other origin none', async () => {
    const allowed = await call('query', 'system.info', { origin: ALLOWED })
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true')
    expect(allowed.headers.get('vary')).toMatch(/Origin/)
    const foreign = await call('query', 'system.info', { origin: FOREIGN })
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull()
    expect(foreign.headers.get('vary')).toMatch(/Origin/)
  })

  it('answers an allowed preflight 204 with methods, headers and max-age, and refuses any other 403 (it was 415)', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.trpcUrl}/auth.login`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, x-trellis-csrf, x-trellis-session',
        },
      })
    const allowed = await preflight(ALLOWED)
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true')
    expect(allowed.headers.get('access-control-allow-methods')).toBe('GET, POST')
    const allowedHeaders = allowed.headers.get('access-control-allow-headers')?.split(', ')
    expect(allowedHeaders).toEqual(
      expect.arrayContaining([
        'authorization',
        'content-type',
        'x-trellis-csrf',
        'x-trellis-session',
        'trpc-accept',
      ]),
    )
    expect(Number(allowed.headers.get('access-control-max-age'))).toBeGreaterThan(0)
    const foreign = await preflight(FOREIGN)
    expect(foreign.status).toBe(403)
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    // An origin is matched exactly: a path or another port is another origin.
    expect((await preflight(`${ALLOWED}/`)).status).toBe(403)
    expect((await preflight('http://127.0.0.1:51730')).status).toBe(403)
  })

  it('sets an httpOnly SameSite=Strict cookie at a cookie login and keeps the token out of the body', async () => {
    const { cookie, answer } = await cookieLogin()
    expect(answer.status).toBe(200)
    expect(answer.data).toMatchObject({ token: null, user: { email: ADMIN.email } })
    const setCookie = answer.headers.getSetCookie()[0]!
    expect(setCookie).toMatch(
      /^trellis_session=trs_[A-Za-z0-9_-]+; Path=\/; Expires=.+; HttpOnly; SameSite=Strict$/,
    )
    // Served over plain HTTP with no https TRELLIS_PUBLIC_URL: no Secure flag, or no browser would keep it.
    expect(setCookie).not.toMatch(/Secure/)
    const me = await call('query', 'auth.me', { cookie, origin: ALLOWED, ...CSRF })
    expect(me.data).toMatchObject({ email: ADMIN.email })
  })

  it('gives a bearer login no cookie, and bearer calls need no CSRF header even with a stray cookie', async () => {
    const login = await call('mutation', 'auth.login', {}, ADMIN)
    expect(login.headers.getSetCookie()).toEqual([])
    const token = (login.data as { token: string }).token
    expect(token).toMatch(/^trs_/)
    const { cookie } = await cookieLogin()
    const me = await call('query', 'auth.me', { authorization: `Bearer ${token}`, cookie: `${cookie}x` })
    expect(me.status).toBe(200)
    expect(me.data).toMatchObject({ email: ADMIN.email })
    const out = await call('mutation', 'auth.logout', { authorization: `Bearer ${token}`, origin: FOREIGN })
    expect(out.data).toEqual({ endedSessions: 1 })
    expect(out.headers.getSetCookie()).toEqual([])
  })

  it('refuses a cookie mutation without the CSRF header or from a foreign origin (403, typed, audited), and runs it with both', async () => {
    const { cookie } = await cookieLogin()
    const noHeader = await call('mutation', 'auth.logout', { cookie, origin: ALLOWED })
    expect(noHeader.status).toBe(403)
    expect(noHeader.error?.data.code).toBe('FORBIDDEN')
    expect(noHeader.error?.message).toBe('A cookie session call must send the header x-trellis-csrf: 1')
    const foreign = await call('mutation', 'auth.logout', { cookie, origin: FOREIGN, ...CSRF })
    expect(foreign.status).toBe(403)
    expect(foreign.error?.message).toMatch(/not in TRELLIS_CORS_ORIGINS/)
    // A sandboxed page sends `Origin: null`; it is no allowed origin either.
    expect((await call('mutation', 'auth.logout', { cookie, origin: 'null', ...CSRF })).status).toBe(403)
    // A cookie login is checked the same way: a forged one would sign the victim in as the attacker.
    const forgedLogin = await call(
      'mutation',
      'auth.login',
      { origin: FOREIGN, 'x-trellis-session': 'cookie', ...CSRF },
      ADMIN,
    )
    expect(forgedLogin.status).toBe(403)
    expect(forgedLogin.headers.getSetCookie()).toEqual([])
    const denials = await server.database.db
      .selectFrom('audit_events')
      .select(['procedure', 'outcome', 'error_code'])
      .where('error_code', '=', 'FORBIDDEN')
      .where('procedure', 'in', ['auth.logout', 'auth.login'])
      .execute()
    expect(denials).toHaveLength(4)
    expect(denials.every((event) => event.outcome === 'denied')).toBe(true)
    // None of the refused calls ended the session.
    expect((await call('query', 'auth.me', { cookie, ...CSRF })).data).toMatchObject({ email: ADMIN.email })
    // The server's own origin (a page it serves) and no Origin at all (a same-origin GET) pass.
    const own = await call('query', 'auth.me', { cookie, origin: server.url, ...CSRF })
    expect(own.data).toMatchObject({ email: ADMIN.email })
    const out = await call('mutation', 'auth.logout', { cookie, origin: ALLOWED, ...CSRF })
    expect(out.status).toBe(200)
    expect(out.data).toEqual({ endedSessions: 1 })
  })

  it('clears the cookie at logout and logoutEverywhere; a stale cookie is cleared and does not block the next login', async () => {
    const cleared =
      /^trellis_session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/
    const first = await cookieLogin()
    const out = await call('mutation', 'auth.logout', { cookie: first.cookie, origin: ALLOWED, ...CSRF })
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(cleared)])
    // A browser that kept the ended session's cookie is anonymous, told to drop it...
    const stale = await call('query', 'auth.me', { cookie: first.cookie, ...CSRF })
    expect(stale.error?.data.code).toBe('UNAUTHORIZED')
    expect(stale.headers.getSetCookie()).toEqual([expect.stringMatching(cleared)])
    // ...and may log in again with it still attached (regression: it was refused as a bad credential).
    const again = await call(
      'mutation',
      'auth.login',
      { cookie: first.cookie, origin: ALLOWED, 'x-trellis-session': 'cookie', ...CSRF },
      ADMIN,
    )
    expect(again.status).toBe(200)
    const cookie = again.headers.getSetCookie()[0]!.split(';')[0]!
    expect(cookie).not.toBe(first.cookie)
    const everywhere = await call('mutation', 'auth.logoutEverywhere', { cookie, origin: ALLOWED, ...CSRF })
    expect(everywhere.status).toBe(200)
    expect(everywhere.headers.getSetCookie()).toEqual([expect.stringMatching(cleared)])
    expect((await call('query', 'auth.me', { cookie, ...CSRF })).error?.data.code).toBe('UNAUTHORIZED')
  })

  it('ends a batch that logs in over a stale cookie with the cookie of the new session, also when batches race', async () => {
    const stale = (await cookieLogin()).cookie
    await call('mutation', 'auth.logout', { cookie: stale, ...CSRF })
    const attempts = await Promise.all(
      // Fewer than TRELLIS_LOGIN_MAX_FAILURES: logins in flight hold a throttle reservation each.
      Array.from({ length: 4 }, () =>
        fetch(`${server.trpcUrl}/auth.logout,auth.login,auth.logout?batch=1`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            cookie: stale,
            'x-trellis-session': 'cookie',
            ...CSRF,
          },
          body: JSON.stringify({ 1: ADMIN }),
        }),
      ),
    )
    for (const response of attempts) {
      const answers = (await response.json()) as { result?: unknown; error?: { data: { code: string } } }[]
      // Each outcome by its code, so a refused login says why (seen once on a loaded machine).
      expect(answers.map((answer) => answer.error?.data.code ?? 'ok')).toEqual([
        'UNAUTHORIZED',
        'ok',
        'UNAUTHORIZED',
      ])
      const setCookie = response.headers.getSetCookie()
      expect(setCookie).toHaveLength(1)
      expect(setCookie[0]).toMatch(/^trellis_session=trs_/)
      const me = await call('query', 'auth.me', { cookie: setCookie[0]!.split(';')[0]!, ...CSRF })
      expect(me.data).toMatchObject({ email: ADMIN.email })
    }
  })

  it('lets the SDK use a cookie session with the two headers, as the README says', async () => {
    // Node's fetch keeps no cookies: this one plays the browser's cookie jar.
    let jar = ''
    // Regression: the SDK stored the cookie login's `token: null` (a web storage keeps "null").
    const stored: unknown[] = []
    const trellis = createTrellisClient({
      url: server.trpcUrl,
      tokenStore: { get: () => undefined, set: (token) => void stored.push(token), clear: () => {} },
      headers: { 'x-trellis-csrf': '1', 'x-trellis-session': 'cookie' },
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers)
        if (jar) headers.set('cookie', jar)
        const response = await fetch(input, { ...init, headers, credentials: 'include' })
        const setCookie = response.headers.getSetCookie()[0]
        if (setCookie) jar = setCookie.split(';')[0]!
        return response
      },
    })
    expect((await trellis.auth.login.mutate(ADMIN)).token).toBeNull()
    expect(jar).toMatch(/^trellis_session=trs_/)
    expect(stored).toEqual([])
    expect(await trellis.auth.me.query()).toMatchObject({ email: ADMIN.email })
    await trellis.auth.logout.mutate()
    expect(jar).toBe('trellis_session=')
    await expect(trellis.auth.me.query()).rejects.toThrow('Invalid or missing credentials')
  })

  it('never writes a session cookie into the logs', async () => {
    const { cookie } = await cookieLogin()
    await call('query', 'auth.me', { cookie, ...CSRF })
    await call('mutation', 'auth.logout', { cookie, origin: FOREIGN, ...CSRF })
    await call('mutation', 'auth.logout', { cookie, ...CSRF })
    const token = cookie.split('=')[1]!
    expect(token).toMatch(/^trs_/)
    expect(server.logs.length).toBeGreaterThan(0)
    expect(JSON.stringify(server.logs)).not.toContain(token)
    expect(JSON.stringify(server.logs)).not.toContain(token.slice(4, 20))
  })
})

describe('browsers: a server behind a TLS proxy', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ TRELLIS_PUBLIC_URL: 'https://api.example.com' })
  })
  afterAll(() => server.stop())

  it('marks the cookie Secure when TRELLIS_PUBLIC_URL is https, and takes its origin as the same origin', async () => {
    const headers = { origin: 'https://api.example.com', 'x-trellis-session': 'cookie', ...CSRF }
    const login = await call(server, headers)
    expect(login.status).toBe(200)
    expect(login.headers.getSetCookie()[0]).toMatch(/; HttpOnly; SameSite=Strict; Secure$/)
    // No CORS origins configured: any other origin is foreign.
    expect((await call(server, { ...headers, origin: server.url })).status).toBe(403)
  })

  function call(target: TestServer, headers: Record<string, string>) {
    return fetch(`${target.trpcUrl}/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(ADMIN),
    })
  }
})
