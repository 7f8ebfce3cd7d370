import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { type BrowserPolicy, browserSessionOf } from './browser-session.js'

const POLICY: BrowserPolicy = { allowedOrigins: new Set(['http://app.example']), publicUrl: undefined }

/** Sends one real request with `headers`; `handle` sees it on the server side; returns the answer's Set-Cookie. */
async function exchange(
  headers: Record<string, string>,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string[]> {
  const server = createServer((req, res) => {
    handle(req, res)
    res.end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    const { port } = server.address() as AddressInfo
    const response = await fetch(`http://127.0.0.1:${port}/trpc/x`, { headers })
    return response.headers.getSetCookie()
  } finally {
    server.close()
  }
}

const COOKIE_REQUEST = {
  cookie: 'trellis_session=trs_old',
  'x-trellis-csrf': '1',
  'x-trellis-session': 'cookie',
}

describe('browserSessionOf', () => {
  it('lets a later clear not undo a new session set in the same request (regression: a batch could lose its login)', async () => {
    const setCookie = await exchange(COOKIE_REQUEST, (req, res) => {
      const { sessionCookie } = browserSessionOf(req, res, POLICY)
      expect(sessionCookie?.token).toBe('trs_old')
      sessionCookie?.set('trs_new', new Date(Date.now() + 60_000))
      sessionCookie?.clear()
    })
    expect(setCookie).toEqual([expect.stringMatching(/^trellis_session=trs_new;/)])
  })

  it('clears the cookie when nothing replaced it', async () => {
    const setCookie = await exchange(COOKIE_REQUEST, (req, res) =>
      browserSessionOf(req, res, POLICY).sessionCookie?.clear(),
    )
    expect(setCookie).toEqual([expect.stringMatching(/^trellis_session=; /)])
  })

  it('leaves bearer requests alone, and refuses a cookie without the CSRF header', async () => {
    await exchange({ authorization: 'Bearer trs_x' }, (req, res) => {
      expect(browserSessionOf(req, res, POLICY)).toEqual({})
    })
    await exchange({ cookie: 'other=1; trellis_session=trs_old' }, (req, res) => {
      expect(browserSessionOf(req, res, POLICY)).toEqual({
        refusal: 'A cookie session call must send the header x-trellis-csrf: 1',
      })
    })
  })
})
