import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readEnv, SETTING_NAMES, unknownSettings, withFlags } from './env.js'

describe('readEnv', () => {
  it('fills defaults for an empty environment: embedded database, loopback, port 3000', () => {
    expect(readEnv({})).toEqual({
      PORT: 3000,
      HOST: '127.0.0.1',
      TRELLIS_DATA_DIR: '.trellis/data',
      LOG_LEVEL: 'info',
      TRELLIS_ADMIN_EMAIL: 'admin@trellis.local',
      TRELLIS_SHUTDOWN_TIMEOUT_MS: 10_000,
      TRELLIS_MAX_BATCH_SIZE: 10,
      TRELLIS_OUTBOX_RETENTION_HOURS: 168,
      TRELLIS_WEBHOOK_BACKOFF_MS: 1000,
      TRELLIS_WEBHOOK_MAX_ATTEMPTS: 15,
      TRELLIS_WEBHOOK_TIMEOUT_MS: 10_000,
      TRELLIS_DATABASE_WAIT_SECONDS: 30,
      TRELLIS_DATABASE_CONNECT_TIMEOUT_MS: 5000,
      TRELLIS_SESSION_IDLE_MINUTES: 1440,
      TRELLIS_SESSION_MAX_HOURS: 720,
      TRELLIS_LOGIN_MAX_FAILURES: 5,
      TRELLIS_LOGIN_MAX_FAILURES_PER_ADDRESS: 50,
      TRELLIS_LOGIN_WINDOW_MINUTES: 15,
      TRELLIS_CORS_ORIGINS: [],
      TRELLIS_PRESET_DEMO: false,
      TRELLIS_METRICS: 'off',
      TRELLIS_MAIL_LOG_TOKENS: false,
    })
  })

  it('takes exact origins for CORS and refuses a wildcard, a path or a stray slash', () => {
    expect(
      readEnv({ TRELLIS_CORS_ORIGINS: 'https://app.example.com, http://127.0.0.1:5173' })
        .TRELLIS_CORS_ORIGINS,
    ).toEqual(['https://app.example.com', 'http://127.0.0.1:5173'])
    for (const bad of [
      '*',
      'https://app.example.com/',
      'https://app.example.com/app',
      'app.example.com',
      'ftp://x.example',
    ])
      expect(() => readEnv({ TRELLIS_CORS_ORIGINS: bad }), bad).toThrow(/TRELLIS_CORS_ORIGINS/)
    expect(readEnv({ TRELLIS_PUBLIC_URL: 'https://api.example.com' }).TRELLIS_PUBLIC_URL).toBe(
      'https://api.example.com',
    )
    expect(() => readEnv({ TRELLIS_PUBLIC_URL: 'api.example.com' })).toThrow(/TRELLIS_PUBLIC_URL/)
  })

  it('takes one of the three presets and refuses any other name', () => {
    expect(readEnv({ TRELLIS_PRESET: 'bobsled' }).TRELLIS_PRESET).toBe('bobsled')
    expect(() => readEnv({ TRELLIS_PRESET: 'casbin' })).toThrow(/TRELLIS_PRESET/)
  })

  it('builds a demo world only when asked, and only with a preset (--demo on the command line too)', () => {
    expect(readEnv({ TRELLIS_PRESET: 'orb' }).TRELLIS_PRESET_DEMO).toBe(false)
    expect(readEnv({ TRELLIS_PRESET: 'orb', TRELLIS_PRESET_DEMO: '1' }).TRELLIS_PRESET_DEMO).toBe(true)
    expect(readEnv({ TRELLIS_PRESET: 'orb', TRELLIS_PRESET_DEMO: '0' }).TRELLIS_PRESET_DEMO).toBe(false)
    expect(() => readEnv({ TRELLIS_PRESET: 'orb', TRELLIS_PRESET_DEMO: 'yes' })).toThrow(
      /TRELLIS_PRESET_DEMO/,
    )
    expect(() => readEnv({ TRELLIS_PRESET_DEMO: '1' })).toThrow(
      "TRELLIS_PRESET_DEMO: a demo world is a preset's: set TRELLIS_PRESET too",
    )
    expect(readEnv(withFlags(['--demo'], { TRELLIS_PRESET: 'bobsled' })).TRELLIS_PRESET_DEMO).toBe(true)
    expect(withFlags([], { TRELLIS_PRESET: 'bobsled' })).toEqual({ TRELLIS_PRESET: 'bobsled' })
  })

  it('treats an empty variable as unset', () => {
    expect(readEnv({ DATABASE_URL: '', PORT: '' })).toMatchObject({ PORT: 3000 })
    expect(readEnv({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined()
  })

  it('coerces and keeps valid settings', () => {
    const env = readEnv({
      PORT: '0',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      LOG_LEVEL: 'debug',
      TRELLIS_ADMIN_PASSWORD: 'twelve chars!',
    })
    expect(env).toMatchObject({
      PORT: 0,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      LOG_LEVEL: 'debug',
      TRELLIS_ADMIN_PASSWORD: 'twelve chars!',
    })
  })

  it('lists every bad variable at once, without echoing secret values', () => {
    let message = ''
    try {
      readEnv({
        PORT: '70000',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        TRELLIS_ADMIN_PASSWORD: 'hunter2',
      })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^Invalid configuration:/)
    expect(message).toMatch(/PORT:/)
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/)
    expect(message).toMatch(/LOG_LEVEL:/)
    expect(message).toMatch(/TRELLIS_ADMIN_PASSWORD: must be at least 12 characters/)
    expect(message).not.toContain('hunter2')
  })

  it('takes how long to wait for the database at start, and refuses a negative or fractional wait', () => {
    expect(readEnv({ TRELLIS_DATABASE_WAIT_SECONDS: '0' }).TRELLIS_DATABASE_WAIT_SECONDS).toBe(0)
    expect(readEnv({ TRELLIS_DATABASE_CONNECT_TIMEOUT_MS: '1500' }).TRELLIS_DATABASE_CONNECT_TIMEOUT_MS).toBe(
      1500,
    )
    expect(() => readEnv({ TRELLIS_DATABASE_WAIT_SECONDS: '-1' })).toThrow(/TRELLIS_DATABASE_WAIT_SECONDS:/)
    expect(() => readEnv({ TRELLIS_DATABASE_WAIT_SECONDS: '2.5' })).toThrow(/TRELLIS_DATABASE_WAIT_SECONDS:/)
    expect(() => readEnv({ TRELLIS_DATABASE_CONNECT_TIMEOUT_MS: '0' })).toThrow(
      /TRELLIS_DATABASE_CONNECT_TIMEOUT_MS:/,
    )
  })
})

// Regression (issue 10): a misspelt setting such as TRELLIS_PRSET=orb was ignored without a word.
describe('unknownSettings', () => {
  it('names a misspelt TRELLIS_ variable and the setting it most resembles', () => {
    expect(unknownSettings({ TRELLIS_PRSET: 'orb', TRELLIS_PRESET: 'bobsled', PATH: '/bin' })).toEqual([
      {
        variable: 'TRELLIS_PRSET',
        suggestion: 'TRELLIS_PRESET',
        message: 'Unknown setting TRELLIS_PRSET is ignored: did you mean TRELLIS_PRESET?',
      },
    ])
    expect(unknownSettings({ TRELLIS_DATADIR: 'x', TRELLIS_ADMNI_EMAIL: 'a@b.c' })).toEqual([
      expect.objectContaining({ variable: 'TRELLIS_ADMNI_EMAIL', suggestion: 'TRELLIS_ADMIN_EMAIL' }),
      expect.objectContaining({ variable: 'TRELLIS_DATADIR', suggestion: 'TRELLIS_DATA_DIR' }),
    ])
  })

  it("takes the CLI's TRELLIS_DEBUG for no misspelling", () => {
    expect(unknownSettings({ TRELLIS_DEBUG: '1' })).toEqual([])
  })

  it('suggests nothing when no setting is close, and never repeats a value', () => {
    const [unknown] = unknownSettings({ TRELLIS_FLAVOUR: 'secret value' })
    expect(unknown).toEqual({
      variable: 'TRELLIS_FLAVOUR',
      suggestion: undefined,
      message: 'Unknown setting TRELLIS_FLAVOUR is ignored',
    })
    expect(JSON.stringify(unknownSettings({ TRELLIS_ADMIN_PASWORD: 'hunter2 hunter2' }))).not.toContain(
      'hunter2',
    )
  })

  it('takes an SMTP URL with a sender, and refuses one without, or a URL of another scheme', () => {
    const env = readEnv({
      TRELLIS_SMTP_URL: 'smtps://u:p@mail.example.com:465',
      TRELLIS_MAIL_FROM: 'a@example.com',
    })
    expect(env.TRELLIS_SMTP_URL).toBe('smtps://u:p@mail.example.com:465')
    expect(() => readEnv({ TRELLIS_SMTP_URL: 'smtp://mail.example.com' })).toThrow(
      'TRELLIS_MAIL_FROM: mail sent over SMTP needs a sender',
    )
    expect(() =>
      readEnv({ TRELLIS_SMTP_URL: 'http://u:smtp-secret@x', TRELLIS_MAIL_FROM: 'a@example.com' }),
    ).toThrow('TRELLIS_SMTP_URL: must be an smtp:// or smtps:// URL')
    expect(() => readEnv({ TRELLIS_SMTP_URL: 'http://u:smtp-secret@x' })).not.toThrow(/smtp-secret/)
  })

  it('keeps metrics off and mail tokens out of the log unless asked', () => {
    const defaults = readEnv({})
    expect([defaults.TRELLIS_METRICS, defaults.TRELLIS_MAIL_LOG_TOKENS]).toEqual(['off', false])
    const asked = readEnv({ TRELLIS_METRICS: 'on', TRELLIS_MAIL_LOG_TOKENS: '1' })
    expect([asked.TRELLIS_METRICS, asked.TRELLIS_MAIL_LOG_TOKENS]).toEqual(['on', true])
    expect(() => readEnv({ TRELLIS_METRICS: 'yes' })).toThrow('TRELLIS_METRICS')
  })

  it('is silent about known settings and variables of other programs', () => {
    expect(
      unknownSettings({ TRELLIS_DATA_DIR: 'x', TRELLIS_DATABASE_SCHEMA: 's', HOME: '/root', PORT: '1' }),
    ).toEqual([])
  })
})

describe('the configuration table (docs/configuration.md)', () => {
  it('lists exactly the variables the server reads', () => {
    const page = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8')
    const section = page.split('# Configuration')[1]?.split('\n## ')[0] ?? ''
    const documented = [...section.matchAll(/^\| `([A-Z_]+)`/gm)].map((match) => match[1])
    expect(documented.sort()).toEqual([...SETTING_NAMES].sort())
  })
})
