import { randomUUID } from 'node:crypto'
import { TRPCError } from '@trpc/server'
import { sql } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import { DATABASE_UNAVAILABLE_MESSAGE } from '../errors/transport-errors.js'
import { DEFAULT_AUTH_CONFIG } from '../identity/auth-config.js'
import type { Logger } from '../logger.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { createContext } from './context.js'
import { asCallerError } from './database-unavailable.js'

/** A logger that keeps what it was told, to assert on. */
function recordingLogger() {
  const lines: { level: string; fields: object; message: string | undefined }[] = []
  const at = (level: string) => (fields: object, message?: string) => lines.push({ level, fields, message })
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
  return { logger, lines }
}

async function trpcFailure(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => expect.fail('expected the call to fail'),
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(TRPCError)
  return error as TRPCError
}

describe('asCallerError', () => {
  it('turns a lost connection into a retriable SERVICE_UNAVAILABLE that names nothing', () => {
    const lost = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' })
    const mapped = asCallerError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: lost }))
    expect(mapped.code).toBe('SERVICE_UNAVAILABLE')
    expect(mapped.message).toBe(DATABASE_UNAVAILABLE_MESSAGE)
    expect(mapped.cause).toBe(lost)
  })

  it('leaves bugs and refusals alone', () => {
    const bug = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new TypeError('x is undefined') })
    expect(asCallerError(bug)).toBe(bug)
    const refusal = new TRPCError({ code: 'FORBIDDEN', message: 'Permission required: roles.read' })
    expect(asCallerError(refusal)).toBe(refusal)
  })
})

// The database closed under the API: every call must fail typed, never with a 500, and
// the audit write that follows a failed call must not replace the call's own answer.
describe('calls while the database is closed', () => {
  let harness: ApiHarness
  let userId: string
  const { logger, lines } = recordingLogger()
  const callAs = (callerId: string | null) =>
    appRouter.createCaller(
      createContext(
        { db: harness.database.db, dialect: harness.database.dialect, logger, auth: DEFAULT_AUTH_CONFIG },
        { requestId: randomUUID(), clientAddress: '127.0.0.1', callerId },
      ),
    )

  beforeAll(async () => {
    harness = await createApiHarness()
    userId = await harness.addUser('plain@example.com', harness.adminId)
    // Warm the access decision: on PGlite it is then made from memory.
    await expect(callAs(userId).roles.list()).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await sql`select 1`.execute(harness.database.db)
    await harness.dispose()
  })

  it('answers a read and a mutation with SERVICE_UNAVAILABLE', async () => {
    const read = await trpcFailure(callAs(harness.adminId).system.info())
    expect(read.code).toBe('SERVICE_UNAVAILABLE')
    expect(read.message).toBe('The database is unavailable; try again')
    const write = await trpcFailure(
      callAs(harness.adminId).users.create({ email: 'new@example.com', parentId: harness.adminId }),
    )
    expect(write.code).toBe('SERVICE_UNAVAILABLE')
  })

  // Regression: the audit event of a denied call could not be written and its error (a
  // 500) replaced the denial.
  it('keeps a denial decided from memory, and logs that its audit could not be written', async () => {
    const denied = await trpcFailure(callAs(userId).roles.list())
    if (harness.database.dialect === 'pglite') {
      // Access changes are announced in process, so the decision needed no query.
      expect(denied.code).toBe('FORBIDDEN')
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: 'Audit of a failed call not written: the database is unavailable',
        }),
      )
    } else {
      // PostgreSQL reads the access version on every call, which fails first.
      expect(denied.code).toBe('SERVICE_UNAVAILABLE')
    }
  })
})
