import { existsSync } from 'node:fs'
import { mkdtemp, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveTestPage, type TestPage } from '../testing/serve-test-page.js'
import { startTestServer, type TestServer } from '../testing/start-test-server.js'

// The system's Chromium, never a downloaded one.
const CHROMIUM = '/usr/bin/chromium'
const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const JSON_HEADERS = { 'content-type': 'application/json' }
const CSRF_HEADERS = { 'x-trellis-csrf': '1' }

type Outcome = { status: number; type: string; body: unknown } | { blocked: string }

/** One fetch made by the page itself (see serveTestPage), with what the page could see of it. */
function callFrom(page: Page, label: string, path: string, init: RequestInit): Promise<Outcome> {
  return page.evaluate(
    ([label, path, init]) =>
      (globalThis as unknown as { callTrellis: (...args: unknown[]) => Promise<Outcome> }).callTrellis(
        label,
        path,
        init,
      ),
    [label, path, init] as const,
  )
}

const cookieLogin: RequestInit = {
  method: 'POST',
  credentials: 'include',
  headers: { ...JSON_HEADERS, ...CSRF_HEADERS, 'x-trellis-session': 'cookie' },
  body: JSON.stringify(ADMIN),
}
const cookieMe: RequestInit = { credentials: 'include', headers: CSRF_HEADERS }
const bearerLogin: RequestInit = { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(ADMIN) }
const bearerMe = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } })

// A real browser on two sites, one in TRELLIS_CORS_ORIGINS and one not. Guards issue 11:
// no CORS headers, preflights answered 415, and a reload signed the user out.
describe('browsers: a real Chromium on an allowed and a disallowed origin', () => {
  let server: TestServer | undefined
  let allowed: TestPage
  let disallowed: TestPage
  let browser: Browser | undefined

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: install it with "apt-get update && apt-get install -y chromium" (this test drives the system browser and never downloads one)`,
      )
    const apiUrl = () => server?.trpcUrl ?? 'http://127.0.0.1:1/trpc'
    allowed = await serveTestPage('Allowed site', apiUrl)
    disallowed = await serveTestPage('Disallowed site', apiUrl)
    server = await startTestServer({ TRELLIS_CORS_ORIGINS: allowed.origin })
    browser = await chromium.launch({ executablePath: CHROMIUM, timeout: 20_000 })
  })
  afterAll(async () => {
    await browser?.close()
    await Promise.all([allowed?.close(), disallowed?.close()])
    await server?.stop()
  })

  it('lets the allowed page call with a bearer token and a cookie session that survives a reload, and blocks the other', async () => {
    const context = await browser!.newContext()
    const page = await context.newPage()
    await page.goto(`${allowed.origin}/`)

    const bearer = await callFrom(page, 'bearer login', 'auth.login', bearerLogin)
    expect(bearer).toMatchObject({
      status: 200,
      body: { result: { data: { user: { email: ADMIN.email } } } },
    })
    const token = (bearer as { body: { result: { data: { token: string } } } }).body.result.data.token
    expect(token).toMatch(/^trs_/)
    expect(await callFrom(page, 'bearer me', 'auth.me', bearerMe(token))).toMatchObject({
      status: 200,
      body: { result: { data: { email: ADMIN.email } } },
    })

    const login = await callFrom(page, 'cookie login', 'auth.login', cookieLogin)
    expect(login).toMatchObject({ status: 200, body: { result: { data: { token: null } } } })
    // httpOnly: the page's scripts cannot read the session (the cookie is on this host).
    expect(await page.evaluate<string>('document.cookie')).not.toContain('trellis_session')
    const cookies = await context.cookies(server!.url)
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'trellis_session', httpOnly: true, sameSite: 'Strict', secure: false }),
    ])

    await page.reload()
    expect(await callFrom(page, 'cookie me after reload', 'auth.me', cookieMe)).toMatchObject({
      status: 200,
      body: { result: { data: { email: ADMIN.email } } },
    })

    const other = await context.newPage()
    await other.goto(`${disallowed.origin}/`)
    // The browser refuses to show the page any answer: its preflights get 403, its GET no CORS headers.
    expect(await callFrom(other, 'bearer login', 'auth.login', bearerLogin)).toHaveProperty('blocked')
    expect(await callFrom(other, 'bearer me', 'auth.me', bearerMe(token))).toHaveProperty('blocked')
    expect(await callFrom(other, 'cookie me', 'auth.me', cookieMe)).toHaveProperty('blocked')
    expect(await callFrom(other, 'plain me', 'auth.me', { credentials: 'include' })).toHaveProperty('blocked')
    // A forged logout the page cannot read (no-cors carries the cookie, but no CSRF header)
    // must not end the session either.
    const forged = await callFrom(other, 'forged logout', 'auth.logout', {
      method: 'POST',
      mode: 'no-cors',
      credentials: 'include',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    })
    expect(forged).toMatchObject({ type: 'opaque' })
    // The plain GET reached the server with the cookie (same site) and was refused there;
    // the forged POST too, earlier still: a form's text/plain body is no tRPC call (415).
    const refused = await server!.database.db
      .selectFrom('audit_events')
      .select(['procedure', 'outcome'])
      .where('error_code', '=', 'FORBIDDEN')
      .execute()
    expect(refused).toEqual([{ procedure: 'auth.me', outcome: 'denied' }])
    expect(server!.logs).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/trpc/auth.logout', status: 415 }),
    )
    const screenshots = await mkdtemp(join(tmpdir(), 'trellis-browser-'))
    await other.screenshot({ path: join(screenshots, 'disallowed.png') })

    expect(await callFrom(page, 'cookie me after forgery', 'auth.me', cookieMe)).toMatchObject({
      status: 200,
    })
    const logout = await callFrom(page, 'cookie logout', 'auth.logout', {
      method: 'POST',
      credentials: 'include',
      headers: { ...JSON_HEADERS, ...CSRF_HEADERS },
    })
    expect(logout).toMatchObject({ status: 200, body: { result: { data: { endedSessions: 1 } } } })
    expect(await context.cookies(server!.url)).toEqual([])
    expect(await callFrom(page, 'cookie me after logout', 'auth.me', cookieMe)).toMatchObject({ status: 401 })
    const shot = join(screenshots, 'allowed.png')
    await page.screenshot({ path: shot })
    expect((await stat(shot)).size).toBeGreaterThan(1000)
    console.log(`Browser screenshots: ${screenshots}`)
    await context.close()
  }, 60_000)
})
