import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_AUTH_CONFIG } from '../identity/auth-config.js'
import { silentLogger } from '../logger.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { createContext } from './context.js'
import { booleanProcedure, createCallerFactory, router, selfCommittingProcedure } from './init.js'
import { mutationTransaction } from './mutation-transaction.js'

// Routers' mutations write through `ctx.db` without a transaction of their own: these
// guard the one that init.ts opens for them (issue 12), and where it is not opened.
const probeRouter = router({
  mutation: booleanProcedure('system.info').mutation(({ ctx }) => ctx.db.isTransaction),
  query: booleanProcedure('system.info').query(({ ctx }) => ctx.db.isTransaction),
  selfCommitting: selfCommittingProcedure('system.info').mutation(({ ctx }) => ctx.db.isTransaction),
  typedInQuery: booleanProcedure('system.info').query(({ ctx }) => {
    mutationTransaction(ctx.db)
    return true
  }),
  /** Writes twice, then fails: both writes must go. */
  writeThenFail: booleanProcedure('system.info').mutation(async ({ ctx }) => {
    await ctx.db.insertInto('roles').values({ name: 'probe-first' }).execute()
    await ctx.db.insertInto('roles').values({ name: 'probe-second' }).execute()
    throw new Error('fails after writing')
  }),
})

describe('the transaction a mutation runs in', () => {
  let h: ApiHarness
  const call = () =>
    createCallerFactory(probeRouter)(
      createContext(
        { db: h.database.db, dialect: h.database.dialect, logger: silentLogger, auth: DEFAULT_AUTH_CONFIG },
        { requestId: randomUUID(), clientAddress: '127.0.0.1', callerId: h.adminId },
      ),
    )
  beforeAll(async () => {
    h = await createApiHarness()
  })
  afterAll(() => h.dispose())

  it('gives a mutation its transaction as ctx.db, and a query or a self-committing mutation the root database', async () => {
    expect(await call().mutation()).toBe(true)
    expect(await call().query()).toBe(false)
    expect(await call().selfCommitting()).toBe(false)
  })

  it('rolls back every write of a mutation that fails after them', async () => {
    await expect(call().writeThenFail()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' })
    const left = await h.database.db
      .selectFrom('roles')
      .select('name')
      .where('name', 'in', ['probe-first', 'probe-second'])
      .execute()
    expect(left).toEqual([])
  })

  // Regression guard: mutationTransaction must not pretend a query's root database is atomic.
  it('refuses to type the root database as a transaction', async () => {
    await expect(call().typedInQuery()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' })
  })
})
