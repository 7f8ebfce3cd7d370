import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import { DEFAULT_AUTH_CONFIG } from '../identity/auth-config.js'
import { silentLogger } from '../logger.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { createContext } from '../trpc/context.js'

describe('the audit log', () => {
  let h: ApiHarness
  const ids: Record<string, string> = {}
  beforeAll(async () => {
    h = await createApiHarness()
    ids.boss = await h.addUser('boss@example.com', h.adminId)
    ids.worker = await h.addUser('worker@example.com', ids.boss)
    ids.outsider = await h.addUser('outsider@example.com', h.adminId)
    await h.grant(ids.boss, { 'users.create': 'OWNED', 'users.update': 'OWNED', 'audit.read': 'OWNED' })
    await h.grant(ids.worker, { 'users.update': 'SELF', 'audit.read': 'SELF' })
    await h.grant(h.adminId, { 'audit.read': 'ALL' })
  })
  afterAll(() => h.dispose())

  const events = (callerId: string, filters = {}) =>
    h
      .callAs(callerId)
      .audit.list({ limit: 200, ...filters })
      .then((page) => page.items)

  it('records a successful mutation with actor, permission, target and request', async () => {
    const created = await h
      .callAs(ids.boss!)
      .users.create({ email: 'new@example.com', parentId: ids.worker! })
    const [event] = await events(ids.boss!, { permission: 'users.create' })
    expect(event).toMatchObject({
      actorId: ids.boss,
      permission: 'users.create',
      procedure: 'users.create',
      outcome: 'allowed',
      errorCode: null,
    })
    expect(event?.requestId).toMatch(/[0-9a-f-]{36}/)
    expect(created.id).toBeDefined()
  })

  it('records a denied call, and a failed mutation leaves no change behind', async () => {
    await h
      .callAs(ids.worker!)
      .users.create({ email: 'nope@example.com', parentId: ids.worker! })
      .catch(() => undefined)
    await h
      .callAs(ids.worker!)
      .users.update({ id: ids.outsider!, displayName: 'Hacked' })
      .catch(() => undefined)
    const mine = await events(ids.worker!)
    expect(mine.map((event) => [event.permission, event.outcome, event.errorCode])).toEqual([
      ['users.update', 'denied', 'NOT_FOUND'],
      ['users.create', 'denied', 'FORBIDDEN'],
    ])
    expect(mine[0]?.targetId).toBe(ids.outsider)
    const outsider = await h.database.db
      .selectFrom('users')
      .select('display_name')
      .where('id', '=', ids.outsider!)
      .executeTakeFirstOrThrow()
    expect(outsider.display_name).toBe('')
  })

  it('rolls a mutation back with its audit event when it fails half-way', async () => {
    const before = await h.database.db
      .selectFrom('audit_events')
      .select('id')
      .where('outcome', '=', 'allowed')
      .execute()
    const taken = await h
      .callAs(ids.boss!)
      .users.create({ email: 'WORKER@example.com', parentId: ids.boss! })
      .catch((error: { code: string }) => error.code)
    expect(taken).toBe('CONFLICT')
    const after = await h.database.db
      .selectFrom('audit_events')
      .select('id')
      .where('outcome', '=', 'allowed')
      .execute()
    expect(after.length).toBe(before.length)
    const [failed] = await events(ids.boss!, { outcome: 'failed' })
    expect(failed).toMatchObject({ permission: 'users.create', errorCode: 'CONFLICT' })
  })

  it('shows each caller only the events of its level', async () => {
    const seenByBoss = new Set((await events(ids.boss!)).map((event) => event.actorId))
    expect(seenByBoss).toEqual(new Set([ids.boss, ids.worker]))
    const seenByWorker = new Set((await events(ids.worker!)).map((event) => event.actorId))
    expect(seenByWorker).toEqual(new Set([ids.worker]))
    const seenByAdmin = new Set((await events(h.adminId)).map((event) => event.actorId))
    expect(seenByAdmin.has(ids.boss!)).toBe(true)
    expect(seenByAdmin.has(ids.worker!)).toBe(true)
  })

  it('records anonymous denials, visible at ALL only', async () => {
    await h
      .callAs(null)
      .users.list({})
      .catch(() => undefined)
    const anonymous = (await events(h.adminId, { permission: 'users.read' })).filter(
      (event) => event.actorId === null,
    )
    expect(anonymous[0]).toMatchObject({ outcome: 'denied', errorCode: 'UNAUTHORIZED' })
  })

  it('filters by actor, permission, outcome and time, and pages with a cursor', async () => {
    const future = new Date(Date.now() + 60_000).toISOString()
    expect(await events(h.adminId, { from: future })).toEqual([])
    const byWorker = await events(h.adminId, { actorId: ids.worker! })
    expect(byWorker.every((event) => event.actorId === ids.worker)).toBe(true)
    const all = await events(h.adminId)
    const firstPage = await h.callAs(h.adminId).audit.list({ limit: 2 })
    const secondPage = await h.callAs(h.adminId).audit.list({ limit: 2, cursor: firstPage.nextCursor! })
    expect([...firstPage.items, ...secondPage.items].map((event) => event.id)).toEqual(
      all.slice(0, 4).map((event) => event.id),
    )
    expect(await events(h.adminId, { actorId: randomUUID() })).toEqual([])
  })

  // Regression: a call with a void credential (an ended session, a revoked key) was refused
  // before the audit middleware ran, so the denial left no event.
  it('records a call refused for its credential, mutation or query', async () => {
    const { db, dialect } = h.database
    const withToken = (requestId: string) =>
      appRouter.createCaller(
        createContext(
          { db, dialect, logger: silentLogger, auth: DEFAULT_AUTH_CONFIG },
          { requestId, clientAddress: '127.0.0.1', authorization: `Bearer trs_${'x'.repeat(43)}` },
        ),
      )
    const mutation = randomUUID()
    const query = randomUUID()
    await expect(withToken(mutation).auth.logout()).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    await expect(withToken(query).auth.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    const recorded = await db
      .selectFrom('audit_events')
      .select(['request_id', 'procedure', 'outcome', 'error_code', 'actor_id'])
      .where('request_id', 'in', [mutation, query])
      .orderBy('procedure')
      .execute()
    expect(recorded).toEqual([
      {
        request_id: mutation,
        procedure: 'auth.logout',
        outcome: 'denied',
        error_code: 'UNAUTHORIZED',
        actor_id: null,
      },
      {
        request_id: query,
        procedure: 'auth.me',
        outcome: 'denied',
        error_code: 'UNAUTHORIZED',
        actor_id: null,
      },
    ])
  })
})
