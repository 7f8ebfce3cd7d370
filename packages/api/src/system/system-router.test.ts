import { migrations } from '@trellis/db'
import type { TestDatabase } from '@trellis/db/testing'
import { createTestDatabase } from '@trellis/db/testing'
import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import { prepareDatabase } from '../bootstrap/prepare-database.js'
import { DEFAULT_AUTH_CONFIG } from '../identity/auth-config.js'
import { silentLogger } from '../logger.js'
import { createContext } from '../trpc/context.js'
import { TRELLIS_VERSION } from '../version.js'

describe('system router', () => {
  let test: TestDatabase
  let caller: ReturnType<typeof appRouter.createCaller>
  beforeAll(async () => {
    test = await createTestDatabase()
    // Anonymous callers get what the public role grants: the default roles give it system.*.
    await prepareDatabase(
      test.db,
      { adminEmail: 'admin@example.com', adminPassword: 'x'.repeat(12) },
      silentLogger,
    )
    caller = appRouter.createCaller(
      createContext(
        { db: test.db, dialect: test.dialect, logger: silentLogger, auth: DEFAULT_AUTH_CONFIG },
        { requestId: 'test', clientAddress: undefined, callerId: null },
      ),
    )
  })
  afterAll(() => test.dispose())

  it('reports the version, the engine and the newest migration', async () => {
    await expect(caller.system.info()).resolves.toEqual({
      name: 'trellis',
      version: TRELLIS_VERSION,
      database: test.dialect,
      schemaVersion: Object.keys(migrations).at(-1),
    })
  })

  it('echoes a ping', async () => {
    const pong = await caller.system.ping({ echo: 'hello' })
    expect(pong.echo).toBe('hello')
    expect(Number.isNaN(Date.parse(pong.serverTime))).toBe(false)
  })

  it('refuses an empty ping as BAD_REQUEST', async () => {
    const error = await caller.system.ping({ echo: '' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TRPCError)
    expect((error as TRPCError).code).toBe('BAD_REQUEST')
  })
})
