import { testEntityTypeId } from '@trellis/db/testing'
import { createTrellisClient, isTrellisError, listAll, type TrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEnv } from './env.js'
import { createLogger } from './logger.js'
import { type RunningServer, startServer } from './start-server.js'
import { addPerson } from './testing/add-person.js'
import { callFailure as failure } from './testing/call-failure.js'
import { spawnServerProcess } from './testing/spawn-server-process.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const PASSWORD = 'a good long password'

// Roles administration, no escalation, protected roles and explain, over real HTTP through the SDK.
describe('roles end to end', () => {
  let server: TestServer
  let admin: TrellisClient
  const ids: Record<string, string> = {}

  async function signIn(email: string, password = PASSWORD): Promise<TrellisClient> {
    const client = createTrellisClient({ url: server.trpcUrl })
    await client.auth.login.mutate({ email, password })
    return client
  }

  beforeAll(async () => {
    server = await startTestServer()
    admin = createTrellisClient({ url: server.trpcUrl })
    ids.admin = (await admin.auth.login.mutate(ADMIN)).user.id
    const db = server.database.db
    ids.manager = await addPerson(db, 'manager@example.com', PASSWORD, ids.admin)
    ids.worker = await addPerson(db, 'worker@example.com', PASSWORD, ids.manager)
    ids.sibling = await addPerson(db, 'sibling@example.com', PASSWORD, ids.admin)
    await admin.roles.create.mutate({
      name: 'manager',
      grants: {
        'users.read': 'OWNED',
        'users.assignRole': 'OWNED',
        'users.unassignRole': 'OWNED',
        'roles.read': true,
        'roles.create': true,
        'roles.update': true,
      },
    })
    await admin.users.assignRole.mutate({ id: ids.manager, role: 'manager' })
    await admin.roles.create.mutate({ name: 'viewer', grants: { 'users.read': 'SELF' } })
  })
  afterAll(() => server.stop())

  it('gates the role procedures: anonymous UNAUTHORIZED, a caller without the permission FORBIDDEN', async () => {
    expect((await failure(createTrellisClient({ url: server.trpcUrl }).roles.list.query())).code).toBe(
      'UNAUTHORIZED',
    )
    const worker = await signIn('worker@example.com')
    expect(await failure(worker.roles.list.query())).toEqual({
      code: 'FORBIDDEN',
      message: 'Permission required: roles.read',
    })
  })

  it('creates, reads, re-levels, disables and deletes roles at run time', async () => {
    const created = await admin.roles.create.mutate({
      name: 'auditor',
      description: 'Reads the log',
      grants: { 'audit.read': 'SELF' },
    })
    expect(created).toEqual({
      name: 'auditor',
      description: 'Reads the log',
      protected: false,
      grants: { 'audit.read': 'SELF' },
    })
    await admin.roles.setGrant.mutate({ role: 'auditor', permission: 'audit.read', grant: 'OWNED' })
    await admin.roles.setGrant.mutate({ role: 'auditor', permission: 'system.info', grant: true })
    expect((await admin.roles.get.query({ name: 'auditor' })).grants).toEqual({
      'audit.read': 'OWNED',
      'system.info': true,
    })
    await admin.roles.setGrant.mutate({ role: 'auditor', permission: 'system.info', grant: null })
    await admin.roles.update.mutate({ name: 'auditor', description: 'Reads the log of a subtree' })
    expect(await admin.roles.get.query({ name: 'auditor' })).toMatchObject({
      description: 'Reads the log of a subtree',
      grants: { 'audit.read': 'OWNED' },
    })
    // The SDK's listAll, one role a page, walks to the same roles as one page of them all.
    const everyRole = await listAll((cursor) => admin.roles.list.query({ cursor, limit: 1 }))
    expect(everyRole.map((role) => role.name)).toContain('auditor')
    expect(everyRole).toEqual((await admin.roles.list.query({ limit: 200 })).items)

    await admin.users.assignRole.mutate({ id: ids.worker!, role: 'auditor' })
    const assigned = await failure(admin.roles.delete.mutate({ name: 'auditor' }))
    expect(assigned).toEqual({
      code: 'CONFLICT',
      message: 'Role auditor is assigned to 1 user(s): unassign it first',
    })
    await admin.users.unassignRole.mutate({ id: ids.worker!, role: 'auditor' })
    await admin.roles.delete.mutate({ name: 'auditor' })
    expect((await failure(admin.roles.get.query({ name: 'auditor' }))).code).toBe('NOT_FOUND')
    expect((await failure(admin.roles.delete.mutate({ name: 'public' }))).code).toBe('BAD_REQUEST')
  })

  it('refuses grants that do not fit their permission', async () => {
    const unknown = await failure(
      // @ts-expect-error a misspelt permission is a type error too; the server refuses it anyway
      admin.roles.setGrant.mutate({ role: 'viewer', permission: 'users.raed', grant: 'ALL' }),
    )
    expect(unknown).toEqual({ code: 'BAD_REQUEST', message: 'Unknown permission: users.raed' })
    const wrongKind = await failure(
      admin.roles.setGrant.mutate({ role: 'viewer', permission: 'system.info', grant: 'ALL' }),
    )
    expect(wrongKind.code).toBe('BAD_REQUEST')
    const badName = await failure(admin.roles.create.mutate({ name: 'Bad Name' }))
    expect(badName.code).toBe('BAD_REQUEST')
  })

  describe('no escalation', () => {
    let manager: TrellisClient
    beforeAll(async () => {
      manager = await signIn('manager@example.com')
    })

    it('refuses granting yourself a role you do not fully hold', async () => {
      const error = await failure(manager.users.assignRole.mutate({ id: ids.manager!, role: 'admin' }))
      expect(error.code).toBe('FORBIDDEN')
      expect(error.message).toMatch(/^Permission required: /)
    })

    it('refuses a role you hold only partly', async () => {
      await admin.roles.create.mutate({
        name: 'mixed',
        grants: { 'users.read': 'OWNED', 'users.delete': 'OWNED' },
      })
      const error = await failure(manager.users.assignRole.mutate({ id: ids.worker!, role: 'mixed' }))
      expect(error).toEqual({
        code: 'FORBIDDEN',
        message: 'Permission required: users.delete at level OWNED',
      })
    })

    it('refuses editing a role you hold to give it more than you have', async () => {
      const added = await failure(
        manager.roles.setGrant.mutate({ role: 'manager', permission: 'users.delete', grant: 'OWNED' }),
      )
      expect(added).toEqual({
        code: 'FORBIDDEN',
        message: 'Permission required: users.delete at level OWNED',
      })
      const raised = await failure(
        manager.roles.setGrant.mutate({ role: 'manager', permission: 'users.read', grant: 'ALL' }),
      )
      expect(raised).toEqual({ code: 'FORBIDDEN', message: 'Permission required: users.read at level ALL' })
      const created = await failure(
        manager.roles.create.mutate({ name: 'super', grants: { 'users.read': 'ALL' } }),
      )
      expect(created.code).toBe('FORBIDDEN')
      expect((await admin.roles.get.query({ name: 'manager' })).grants['users.read']).toBe('OWNED')
    })

    it('refuses binding roles outside its own level', async () => {
      const error = await failure(manager.users.assignRole.mutate({ id: ids.sibling!, role: 'viewer' }))
      expect(error.code).toBe('NOT_FOUND')
    })

    it('lets a caller hand out what it holds; the change applies on the very next call', async () => {
      const worker = await signIn('worker@example.com')
      expect((await failure(worker.users.list.query({}))).code).toBe('FORBIDDEN')
      await manager.users.assignRole.mutate({ id: ids.worker!, role: 'viewer' })
      const page = await worker.users.list.query({})
      expect(page.items.map((user) => user.email)).toEqual(['worker@example.com'])
      expect(await manager.users.roles.query({ id: ids.worker! })).toEqual([
        { role: 'viewer', protected: false, scope: null },
      ])
      await admin.roles.setGrant.mutate({ role: 'viewer', permission: 'users.read', grant: null })
      expect((await failure(worker.users.list.query({}))).code).toBe('FORBIDDEN')
      await admin.roles.setGrant.mutate({ role: 'viewer', permission: 'users.read', grant: 'SELF' })
    })
  })

  describe('protected roles', () => {
    it('refuses to remove the last active holder of the protected role', async () => {
      const unassign = await failure(admin.users.unassignRole.mutate({ id: ids.admin!, role: 'admin' }))
      expect(unassign.code).toBe('CONFLICT')
      expect(unassign.message).toMatch(/protected role "admin" with no active holder/)
    })

    it('lets only one of two racing removals through, for unassigning and for deactivating', async () => {
      for (const removal of ['unassign', 'deactivate'] as const) {
        const a = await addPerson(server.database.db, `a-${removal}@example.com`, PASSWORD, ids.admin!)
        const b = await addPerson(server.database.db, `b-${removal}@example.com`, PASSWORD, ids.admin!)
        await admin.users.assignRole.mutate({ id: a, role: 'admin' })
        await admin.users.assignRole.mutate({ id: b, role: 'admin' })
        await admin.users.unassignRole.mutate({ id: ids.admin!, role: 'admin' })
        const clientA = await signIn(`a-${removal}@example.com`)
        const clientB = await signIn(`b-${removal}@example.com`)
        const remove = (client: TrellisClient, target: string) =>
          removal === 'unassign'
            ? client.users.unassignRole.mutate({ id: target, role: 'admin' })
            : client.users.deactivate.mutate({ id: target })
        const outcomes = await Promise.allSettled([remove(clientA, b), remove(clientB, a)])
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1)
        const rejected = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult
        // The loser is refused either at the protected-role check (CONFLICT) or, if the
        // winner committed first, because it has just lost its own role or status.
        expect(['CONFLICT', 'FORBIDDEN', 'UNAUTHORIZED']).toContain(
          isTrellisError(rejected.reason) && rejected.reason.data?.code,
        )
        const holders = await server.database.db
          .selectFrom('user_roles')
          .innerJoin('roles', 'roles.id', 'user_roles.role_id')
          .innerJoin('users', 'users.id', 'user_roles.user_id')
          .select('users.email')
          .where('roles.name', '=', 'admin')
          .where('users.status', '=', 'active')
          .execute()
        expect(holders).toHaveLength(1)
        // Hand the role back to the first administrator alone for the next round.
        const [survivor, survivorId] = holders[0]!.email.startsWith('a-') ? [clientA, a] : [clientB, b]
        await survivor.users.assignRole.mutate({ id: ids.admin!, role: 'admin' })
        await admin.users.unassignRole.mutate({ id: survivorId, role: 'admin' })
      }
    })
  })

  it('explains a decision: the level and the role that decided, for a record too', async () => {
    const viewerRecord = await server.database.db
      .insertInto('records')
      .values({ owner_id: ids.worker!, entity_type_id: await testEntityTypeId(server.database.db) })
      .returning('id')
      .executeTakeFirstOrThrow()
    const otherRecord = await server.database.db
      .insertInto('records')
      .values({ owner_id: ids.manager!, entity_type_id: await testEntityTypeId(server.database.db) })
      .returning('id')
      .executeTakeFirstOrThrow()
    const allowed = await admin.access.explain.query({ userId: ids.worker!, permission: 'users.read' })
    expect(allowed).toMatchObject({
      allowed: true,
      kind: 'leveled',
      level: 'SELF',
      decidedBy: { role: 'viewer', grant: 'SELF', scope: null },
    })
    const denied = await admin.access.explain.query({ userId: ids.worker!, permission: 'users.delete' })
    expect(denied).toMatchObject({
      allowed: false,
      level: null,
      decidedBy: null,
      reason: 'No role grants this permission',
    })
    const onOwn = await admin.access.explain.query({
      userId: ids.worker!,
      permission: 'users.read',
      recordId: viewerRecord.id,
    })
    expect(onOwn.allowed).toBe(true)
    const onOther = await admin.access.explain.query({
      userId: ids.worker!,
      permission: 'users.read',
      recordId: otherRecord.id,
    })
    expect(onOther).toMatchObject({ allowed: false, reason: 'The record is outside level SELF' })
    const worker = await signIn('worker@example.com')
    expect(
      (await failure(worker.access.explain.query({ userId: ids.worker!, permission: 'users.read' }))).code,
    ).toBe('FORBIDDEN')
  })

  it('audits role changes and denied calls, readable through the SDK', async () => {
    const changes = await admin.audit.list.query({ permission: 'roles.update', outcome: 'allowed' })
    expect(changes.items.length).toBeGreaterThan(0)
    expect(changes.items.every((event) => event.actorId === ids.admin)).toBe(true)
    const denied = await admin.audit.list.query({ actorId: ids.worker!, outcome: 'denied' })
    expect(denied.items.map((event) => event.permission)).toContain('roles.read')
    const worker = await signIn('worker@example.com')
    expect((await failure(worker.audit.list.query({}))).code).toBe('FORBIDDEN')
  })

  // On PostgreSQL the second instance is a separate server process; the embedded database
  // belongs to one process, so there the second instance shares it in process.
  it('decides on the new state on every instance: a second server on the same database', async () => {
    const { databaseUrl, schema } = server.database.config
    let secondUrl: string
    let stopSecond: () => Promise<unknown>
    if (databaseUrl && schema) {
      const instance = spawnServerProcess({
        DATABASE_URL: databaseUrl,
        TRELLIS_DATABASE_SCHEMA: schema,
        TRELLIS_ADMIN_PASSWORD: ADMIN.password,
      })
      const { url } = (await instance.waitForLog((line) => line.msg === 'Trellis is listening')) as {
        url: string
      }
      secondUrl = `${url}/trpc`
      stopSecond = async () => {
        instance.child.kill('SIGTERM')
        await instance.exited
      }
    } else {
      const second: RunningServer = await startServer({
        env: readEnv({ PORT: '0', LOG_LEVEL: 'silent', TRELLIS_ADMIN_PASSWORD: ADMIN.password }),
        logger: createLogger('silent'),
        database: { db: server.database.db, dialect: server.database.dialect },
      })
      secondUrl = second.trpcUrl
      stopSecond = () => second.close()
    }
    try {
      const worker = createTrellisClient({ url: secondUrl })
      await worker.auth.login.mutate({ email: 'worker@example.com', password: PASSWORD })
      await expect(worker.users.list.query({})).resolves.toMatchObject({
        items: [{ email: 'worker@example.com' }],
      })
      await admin.roles.setGrant.mutate({ role: 'viewer', permission: 'users.read', grant: null })
      expect((await failure(worker.users.list.query({}))).code).toBe('FORBIDDEN')
      await admin.roles.setGrant.mutate({ role: 'viewer', permission: 'users.read', grant: 'SELF' })
      await expect(worker.users.list.query({})).resolves.toMatchObject({
        items: [{ email: 'worker@example.com' }],
      })
      // And the other way round: a change made through the second instance binds the first.
      const second = createTrellisClient({ url: secondUrl })
      await second.auth.login.mutate(ADMIN)
      await second.users.unassignRole.mutate({ id: ids.worker!, role: 'viewer' })
      const onFirst = await signIn('worker@example.com')
      expect((await failure(onFirst.users.list.query({}))).code).toBe('FORBIDDEN')
    } finally {
      await stopSecond()
    }
  })
})
