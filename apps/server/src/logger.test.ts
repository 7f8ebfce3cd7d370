import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readEnv } from './env.js'
import { createLogger, logFormatOf } from './logger.js'

/** A stream that keeps what is written to it. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  return { stream, text: () => chunks.join('') }
}

describe('the server logger', () => {
  it('writes JSON lines by default, with secrets redacted', () => {
    const out = sink()
    createLogger('info', out.stream).info({ procedure: 'auth.login', password: 'hunter2 hunter2' }, 'Call')
    expect(JSON.parse(out.text())).toMatchObject({
      msg: 'Call',
      procedure: 'auth.login',
      password: '[redacted]',
    })
  })

  it('writes readable lines when pretty, still without secrets', () => {
    const out = sink()
    createLogger('info', out.stream, 'pretty').info({ procedure: 'auth.login', token: 'trs_secret' }, 'Call')
    const line = out.text()
    expect(() => JSON.parse(line)).toThrow()
    expect(line.trimEnd().split('\n')).toHaveLength(1)
    expect(line).toContain('INFO')
    expect(line).toContain('Call')
    expect(line).toContain('auth.login')
    expect(line).not.toContain('trs_secret')
  })

  it('is pretty on a terminal outside production, unless the settings say otherwise', () => {
    expect(logFormatOf(readEnv({}), true)).toBe('pretty')
    expect(logFormatOf(readEnv({}), false)).toBe('json')
    expect(logFormatOf(readEnv({ NODE_ENV: 'production' }), true)).toBe('json')
    expect(logFormatOf(readEnv({ TRELLIS_LOG_FORMAT: 'json' }), true)).toBe('json')
    expect(logFormatOf(readEnv({ TRELLIS_LOG_FORMAT: 'pretty', NODE_ENV: 'production' }), false)).toBe(
      'pretty',
    )
  })
})
