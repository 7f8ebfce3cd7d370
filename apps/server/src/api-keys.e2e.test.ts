import { createTrellisClient, type TrellisClient } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { failureCode } from './testing/call-failure.js'
import { startTestServer, type TestServer } from './testing/start-test-server.js'

const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }

// Service accounts calling with API keys, over real HTTP through the built SDK.
describe('service accounts and API keys end to end', () => {
  let server: TestServer
  let admin: TrellisClient
  let serviceId: string
  const asService = (apiKey: string) => createTrellisClient({ url: server.trpcUrl, apiKey })

  beforeAll(async () => {
    server = await startTestServer()
    admin = createTrellisClient({ url: server.trpcUrl })
    const { user } = await admin.auth.login.mutate(ADMIN)
    const service = await admin.users.create.mutate({
      email: 'billing-bot@example.com',
      kind: 'service',
      parentId: user.id,
    })
    serviceId = service.id
  })
  afterAll(() => server.stop())

  it('issues a key shown once, stores only its hash, and lets the service call as itself', async () => {
    const { key, apiKey } = await admin.apiKeys.create.mutate({ userId: serviceId, name: 'billing' })
    expect(key).toMatch(/^trk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/)
    expect(key.startsWith(`trk_${apiKey.prefix}_`)).toBe(true)
    const stored = await server.database.db.selectFrom('api_keys').selectAll().execute()
    expect(JSON.stringify(stored)).not.toContain(key.slice(`trk_${apiKey.prefix}_`.length))

    await expect(asService(key).auth.me.query()).resolves.toMatchObject({ id: serviceId, kind: 'service' })
    const listed = await admin.apiKeys.list.query({ userId: serviceId })
    expect(listed.items).toHaveLength(1)
    expect(listed.nextCursor).toBeNull()
    expect(listed.items[0]).toMatchObject({ name: 'billing', prefix: apiKey.prefix, revokedAt: null })
    expect(listed.items[0]?.lastUsedAt).not.toBeNull()
    expect(JSON.stringify(listed)).not.toContain(key)
  })

  it('rotates a key: the old one stops at once, the new one works', async () => {
    const { key: oldKey, apiKey } = await admin.apiKeys.create.mutate({ userId: serviceId, name: 'rotating' })
    const { key: newKey } = await admin.apiKeys.rotate.mutate({ id: apiKey.id })
    expect(await failureCode(asService(oldKey).auth.me.query())).toBe('UNAUTHORIZED')
    await expect(asService(newKey).auth.me.query()).resolves.toMatchObject({ id: serviceId })
  })

  it('revokes a key: it is refused with the generic UNAUTHORIZED', async () => {
    const { key, apiKey } = await admin.apiKeys.create.mutate({ userId: serviceId, name: 'short-lived' })
    await admin.apiKeys.revoke.mutate({ id: apiKey.id })
    expect(await failureCode(asService(key).system.info.query())).toBe('UNAUTHORIZED')
    expect(await failureCode(admin.apiKeys.revoke.mutate({ id: apiKey.id }))).toBe('NOT_FOUND')
  })

  it('refuses a forged key and keys for people', async () => {
    const { key } = await admin.apiKeys.create.mutate({ userId: serviceId, name: 'real' })
    const forged = `${key.slice(0, -4)}AAAA`
    expect(await failureCode(asService(forged).auth.me.query())).toBe('UNAUTHORIZED')
    const me = await admin.auth.me.query()
    expect(await failureCode(admin.apiKeys.create.mutate({ userId: me.id, name: 'mine' }))).toBe(
      'BAD_REQUEST',
    )
  })

  it("stops a deactivated service's keys", async () => {
    const robot = await admin.users.create.mutate({
      email: 'old-bot@example.com',
      kind: 'service',
      parentId: serviceId,
    })
    const { key } = await admin.apiKeys.create.mutate({ userId: robot.id })
    await expect(asService(key).auth.me.query()).resolves.toMatchObject({ id: robot.id })
    await admin.users.deactivate.mutate({ id: robot.id })
    expect(await failureCode(asService(key).auth.me.query())).toBe('UNAUTHORIZED')
  })

  // Regression: a reactivated service's old keys worked again, so a key leaked before the
  // deactivation came back to life. Deactivation now revokes them for good.
  it("keeps a reactivated service's old keys revoked; new keys work", async () => {
    const robot = await admin.users.create.mutate({
      email: 'returning-bot@example.com',
      kind: 'service',
      parentId: serviceId,
    })
    const { key, apiKey } = await admin.apiKeys.create.mutate({ userId: robot.id, name: 'before' })
    await admin.users.deactivate.mutate({ id: robot.id })
    await admin.users.reactivate.mutate({ id: robot.id })
    expect(await failureCode(asService(key).auth.me.query())).toBe('UNAUTHORIZED')
    const listed = await admin.apiKeys.list.query({ userId: robot.id })
    expect(listed.items.find((listedKey) => listedKey.id === apiKey.id)?.revokedAt).not.toBeNull()
    const { key: fresh } = await admin.apiKeys.create.mutate({ userId: robot.id, name: 'after' })
    await expect(asService(fresh).auth.me.query()).resolves.toMatchObject({ id: robot.id })
  })
})
