import { randomUUID } from 'node:crypto'
import { PUBLIC_ROLE } from '@trellis/core'
import { findRole, setRoleGrant } from '@trellis/db'
import { testEntityTypeId } from '@trellis/db/testing'
import type { KyselyPlugin, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import { generateApiKey } from '../identity/api-key-secret.js'
import { DEFAULT_AUTH_CONFIG } from '../identity/auth-config.js'
import { createSession } from '../identity/sessions.js'
import { silentLogger } from '../logger.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'
import { createContext } from './context.js'

/** Counts the statements a Kysely handle sends, one per result it gets back. */
class StatementCounter implements KyselyPlugin {
  count = 0
  transformQuery: KyselyPlugin['transformQuery'] = (args) => args.node
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count++
    return args.result
  }
}

// The counted handle is a handle of its own, so on PGlite too its access cache hears no
// in-process announcements and reads `access_version` as it does on PostgreSQL.
describe('statements per read call', () => {
  let h: ApiHarness
  const counter = new StatementCounter()
  let sessionToken: string
  let apiKey: string

  function callerWith(authorization: string | undefined) {
    const { db, dialect } = h.database
    return appRouter.createCaller(
      createContext(
        { db: db.withPlugin(counter), dialect, logger: silentLogger, auth: DEFAULT_AUTH_CONFIG },
        { requestId: randomUUID(), clientAddress: '127.0.0.1', authorization },
      ),
    )
  }

  async function statementsOf(call: () => Promise<unknown>): Promise<number> {
    const before = counter.count
    await call()
    return counter.count - before
  }

  beforeAll(async () => {
    h = await createApiHarness()
    const { db } = h.database
    const reader = await h.addUser('reader@example.com', h.adminId)
    await h.grant(reader, { 'records.read': 'OWNED' })
    const typeId = await testEntityTypeId(db)
    await db.insertInto('records').values({ owner_id: reader, entity_type_id: typeId, data: '{}' }).execute()
    sessionToken = (await createSession(db, reader, '127.0.0.1', DEFAULT_AUTH_CONFIG)).token
    const key = generateApiKey()
    await db
      .insertInto('api_keys')
      .values({ user_id: reader, name: 'reader', prefix: key.prefix, secret_hash: key.secretHash })
      .execute()
    apiKey = key.key
  })
  afterAll(() => h.dispose())

  for (const [who, authorization] of [
    ['session', () => `Bearer ${sessionToken}`],
    ['API key', () => `Bearer ${apiKey}`],
  ] as const) {
    it(`a ${who} caller's records.list sends its caller lookup (the access version read along) and its page`, async () => {
      const caller = callerWith(authorization())
      // The first call loads the snapshot, the caller's facts and the entity types.
      expect((await caller.records.list({})).items).toHaveLength(1)
      expect(await statementsOf(() => caller.records.list({}))).toBe(2)
      expect(await statementsOf(() => caller.records.list({ entityType: 'note' }))).toBe(2)
    })
  }

  it('an anonymous system.info sends the access version read and its query', async () => {
    const caller = callerWith(undefined)
    await caller.system.info()
    expect(await statementsOf(() => caller.system.info())).toBe(2)
  })

  it('an anonymous records.list, where the public role reads records, sends the access version read and its page', async () => {
    const { db } = h.database
    const publicRole = await findRole(db, PUBLIC_ROLE)
    await setRoleGrant(db, publicRole!.id, 'records.read', 'ALL')
    const caller = callerWith(undefined)
    expect((await caller.records.list({})).items).toHaveLength(1)
    expect(await statementsOf(() => caller.records.list({}))).toBe(2)
    await setRoleGrant(db, publicRole!.id, 'records.read', null)
  })

  it('a grant revoked after a call refuses the very next one, and so does a deactivation', async () => {
    const { db } = h.database
    const user = await h.addUser('revoked@example.com', h.adminId)
    await h.grant(user, { 'records.read': 'OWNED' })
    const token = (await createSession(db, user, '127.0.0.1', DEFAULT_AUTH_CONFIG)).token
    const caller = callerWith(`Bearer ${token}`)
    await caller.records.list({})
    await db
      .deleteFrom('role_grants')
      .where('role_id', 'in', db.selectFrom('user_roles').select('role_id').where('user_id', '=', user))
      .execute()
    expect((await failure(caller.records.list({}))).code).toBe('FORBIDDEN')
    await db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', user).execute()
    expect((await failure(caller.records.list({}))).code).toBe('UNAUTHORIZED')
  })

  it('an entity type created after a call is listed on the very next one', async () => {
    const caller = callerWith(`Bearer ${sessionToken}`)
    await caller.records.list({})
    await h.database.db.insertInto('entity_types').values({ name: 'fresh', schema: '{}' }).execute()
    expect(await caller.records.list({ entityType: 'fresh' })).toEqual({ items: [], nextCursor: null })
  })
})
