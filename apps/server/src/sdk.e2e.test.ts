import { randomUUID } from 'node:crypto'
import {
  can,
  createTrellisClient,
  entityTypePermission,
  entityTypeScope,
  isNetworkError,
  isTrellisError,
  policyScope,
  reasonOf,
  type StorageLike,
  type TokenStore,
  type TrellisClient,
  type TrellisClientOptions,
  webStorageTokenStore,
} from '@trellis/sdk'
import { observable } from '@trpc/server/observable'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addPerson } from './testing/add-person.js'
import { closedPort } from './testing/closed-port.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const PASSWORD = 'a good long password'

/** A `Storage` as a browser has it, for Node: what `webStorageTokenStore` is given. */
class MemoryStorage implements StorageLike {
  readonly items = new Map<string, string>()
  getItem(key: string) {
    return this.items.get(key) ?? null
  }
  setItem(key: string, value: string) {
    this.items.set(key, value)
  }
  removeItem(key: string) {
    this.items.delete(key)
  }
}

/** What a call failed with (the test fails if it succeeded). */
const failureOf = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error('Expected the call to fail')
    },
    (error: unknown) => error,
  )

/** The stable reason of a call's refusal. */
const reason = async (call: Promise<unknown>) => reasonOf(await failureOf(call))

// The SDK for people, over real HTTP against the real server, through the built package.
describe('the SDK end to end', () => {
  let server: TestServer
  let admin: TrellisClient
  const ids: Record<string, string> = {}
  const client = (options: Partial<TrellisClientOptions> = {}) =>
    createTrellisClient({ url: server.trpcUrl, ...options })
  const signIn = async (email: string) => {
    const signedIn = client()
    await signedIn.auth.login.mutate({ email, password: PASSWORD })
    return signedIn
  }

  beforeAll(async () => {
    server = await startTestServer()
    admin = client()
    ids.admin = (await admin.auth.login.mutate(ADMIN)).user.id
    ids.worker = await addPerson(server.database.db, 'worker@example.com', PASSWORD, ids.admin)
    await admin.entityTypes.create.mutate({ name: 'cars', schema: { type: 'object' } })
    await admin.roles.create.mutate({ name: 'viewer', grants: { 'users.read': 'SELF' } })
    await admin.roles.create.mutate({ name: 'carmaker', grants: { 'records.create': 'OWNED' } })
    await admin.users.assignRole.mutate({ id: ids.worker, role: 'viewer' })
    await admin.users.assignRole.mutate({ id: ids.worker, role: 'carmaker', scope: entityTypeScope('cars') })
  })
  afterAll(() => server.stop())

  describe('access.mine and can()', () => {
    it("gives an anonymous caller the public role's grants", async () => {
      const mine = await client().access.mine.query()
      expect(mine.userId).toBeNull()
      expect(mine.grants).toMatchObject({ 'access.mine': true, 'auth.login': true, 'system.info': true })
      expect(mine.grants).not.toHaveProperty('users.read')
      expect(mine.scoped).toEqual([])
      expect(can(mine, 'auth.login')).toBe(true)
      expect(can(mine, 'users.read')).toBe(false)
    })

    it('lists a signed-in caller grants as the gate decides them, scoped ones with their scope', async () => {
      const worker = await signIn('worker@example.com')
      const mine = await worker.access.mine.query()
      expect(mine.userId).toBe(ids.worker)
      expect(mine.grants['users.read']).toBe('SELF')
      expect(mine.grants).not.toHaveProperty('records.create')
      expect(mine.scoped).toEqual([{ scope: 'entityType:cars', grants: { 'records.create': 'OWNED' } }])
      expect(can(mine, 'users.read', 'SELF')).toBe(true)
      expect(can(mine, 'users.read', 'OWNED')).toBe(false)
      expect(can(mine, 'records.create')).toBe(false)
      expect(can(mine, 'records.create', 'OWNED', entityTypeScope('cars'))).toBe(true)
      expect(can(mine, 'records.create', 'ALL', entityTypeScope('cars'))).toBe(false)
      // What can() hides, the gate refuses; what it shows, the gate lets through.
      expect(can(mine, 'roles.read')).toBe(false)
      expect(await reason(worker.roles.list.query())).toBe('PERMISSION_REQUIRED')
      await expect(worker.records.create.mutate({ entityType: 'cars', data: {} })).resolves.toMatchObject({
        entityType: 'cars',
      })
    })

    it('lists what a binding scoped to a policy grants under that scope only, as reads through it get', async () => {
      const partnerId = await addPerson(server.database.db, 'partner@example.com', PASSWORD, ids.admin!)
      await admin.policies.create.mutate({ name: 'carFeed', types: { cars: {} } })
      await admin.roles.create.mutate({ name: 'feed-reader', grants: { 'records.read': 'ALL' } })
      await admin.users.assignRole.mutate({
        id: partnerId,
        role: 'feed-reader',
        scope: policyScope('carFeed'),
      })
      const partner = await signIn('partner@example.com')
      const mine = await partner.access.mine.query()
      expect(mine.scoped).toEqual([{ scope: 'policy:carFeed', grants: { 'records.read': 'ALL' } }])
      expect(can(mine, 'records.read')).toBe(false)
      expect(can(mine, 'records.read', 'ALL', policyScope('carFeed'))).toBe(true)
      expect(can(mine, 'records.read', 'ALL', policyScope('otherFeed'))).toBe(false)
      // The gate agrees: no read without naming the policy, a read through it.
      expect(await reason(partner.records.list.query({ entityType: 'cars' }))).toBe('PERMISSION_REQUIRED')
      await expect(
        partner.records.list.query({ entityType: 'cars', policy: 'carFeed' }),
      ).resolves.toMatchObject({
        policy: { name: 'carFeed' },
      })
    })

    it('answers the current grants after a role change: it is just a call', async () => {
      const worker = await signIn('worker@example.com')
      expect(can(await worker.access.mine.query(), 'users.read', 'OWNED')).toBe(false)
      await admin.roles.setGrant.mutate({ role: 'viewer', permission: 'users.read', grant: 'OWNED' })
      try {
        expect(can(await worker.access.mine.query(), 'users.read', 'OWNED')).toBe(true)
      } finally {
        await admin.roles.setGrant.mutate({ role: 'viewer', permission: 'users.read', grant: 'SELF' })
      }
      expect(can(await worker.access.mine.query(), 'users.read', 'OWNED')).toBe(false)
    })
  })

  describe('token storage', () => {
    it('keeps the session in a web Storage under its key, so a new client is signed in, until logout', async () => {
      const storage = new MemoryStorage()
      const first = client({ tokenStore: webStorageTokenStore(storage, 'app.session') })
      await first.auth.login.mutate({ email: 'worker@example.com', password: PASSWORD })
      expect(storage.getItem('app.session')).toMatch(/.{20,}/)
      // A page reload: a new client over the same storage.
      const reloaded = client({ tokenStore: webStorageTokenStore(storage, 'app.session') })
      expect((await reloaded.auth.me.query()).id).toBe(ids.worker)
      await reloaded.auth.logout.mutate()
      expect(storage.items.size).toBe(0)
      expect(await reason(first.auth.me.query())).toBe('INVALID_CREDENTIALS')
    })

    it("uses an app's own asynchronous store, writing before the next call goes", async () => {
      let saved: string | undefined
      const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5))
      const store: TokenStore = {
        get: () => later(saved),
        set: async (token) => {
          saved = await later(token)
        },
        clear: async () => {
          saved = await later(undefined)
        },
      }
      const app = client({ tokenStore: store })
      await app.auth.login.mutate({ email: 'worker@example.com', password: PASSWORD })
      expect(saved).toBeTypeOf('string')
      // Calls made together still go, each with the stored token.
      const [me, mine] = await Promise.all([app.auth.me.query(), app.access.mine.query()])
      expect([me.id, mine.userId]).toEqual([ids.worker, ids.worker])
      await app.auth.logout.mutate()
      expect(saved).toBeUndefined()
      expect((await app.access.mine.query()).userId).toBeNull()
    })

    it("runs an app's own links before the credentials are attached", async () => {
      const seen: string[] = []
      const app = client({
        links: [
          () =>
            ({ op, next }) =>
              observable((observer) => {
                seen.push(op.path)
                return next(op).subscribe(observer)
              }),
        ],
      })
      await app.auth.login.mutate({ email: 'worker@example.com', password: PASSWORD })
      expect((await app.auth.me.query()).id).toBe(ids.worker)
      expect(seen).toEqual(['auth.login', 'auth.me'])
    })
  })

  describe('errors', () => {
    it('tells a network failure from a refusal: a closed port is no Trellis answer', async () => {
      const unreachable = createTrellisClient({ url: `http://127.0.0.1:${await closedPort()}/trpc` })
      const error = await failureOf(unreachable.system.info.query())
      expect(isNetworkError(error)).toBe(true)
      expect(isTrellisError(error)).toBe(false)
      expect(reasonOf(error)).toBeUndefined()
      const refusal = await failureOf(client().users.list.query({}))
      expect([isTrellisError(refusal), isNetworkError(refusal)]).toEqual([true, false])
    })

    it('gives each main refusal its stable reason in error.data.reason', async () => {
      const worker = await signIn('worker@example.com')
      const anonymous = client()
      expect(await reason(anonymous.users.list.query({}))).toBe('INVALID_CREDENTIALS')
      expect(
        await reason(anonymous.auth.login.mutate({ email: ADMIN.email, password: 'wrong password' })),
      ).toBe('INVALID_CREDENTIALS')
      expect(await reason(worker.roles.list.query())).toBe('PERMISSION_REQUIRED')
      expect(await reason(admin.users.get.query({ id: randomUUID() }))).toBe('NOT_FOUND')
      expect(await reason(admin.system.ping.query({ echo: '' }))).toBe('INVALID_INPUT')
      expect(await reason(admin.users.list.query({ cursor: 'not-a-cursor' }))).toBe('INVALID_CURSOR')
      expect(await reason(admin.roles.create.mutate({ name: 'viewer' }))).toBe('NAME_TAKEN')
      expect(await reason(admin.roles.delete.mutate({ name: 'viewer' }))).toBe('STILL_REFERENCED')
      expect(await reason(admin.users.unassignRole.mutate({ id: ids.admin!, role: 'admin' }))).toBe(
        'LAST_PROTECTED_HOLDER',
      )
      expect(
        await reason(
          admin.roles.setGrant.mutate({
            role: 'viewer',
            permission: entityTypePermission('boats', 'read'),
            grant: 'ALL',
          }),
        ),
      ).toBe('UNKNOWN_PERMISSION')
      expect(
        await reason(admin.roles.setGrant.mutate({ role: 'viewer', permission: 'roles.read', grant: 'ALL' })),
      ).toBe('GRANT_KIND_MISMATCH')
      const error = await failureOf(worker.roles.list.query())
      // The reason sits beside the code and the message, which stay as they were.
      expect(isTrellisError(error) && [error.data.code, error.data.reason, error.message]).toEqual([
        'FORBIDDEN',
        'PERMISSION_REQUIRED',
        'Permission required: roles.read',
      ])
    })
  })
})
