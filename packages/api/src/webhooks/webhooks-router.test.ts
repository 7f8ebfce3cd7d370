import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { WEBHOOK_EVENTS } from './webhook-events.js'

describe('webhooks: subscribers, and the events queued for them', () => {
  let h: ApiHarness
  const admin = () => h.callAs(h.adminId)
  let stranger: string

  beforeAll(async () => {
    h = await createApiHarness()
    stranger = await h.addUser('stranger@example.com', h.adminId)
    await admin().entityTypes.create({ name: 'notes', schema: { type: 'object' } })
  })
  afterAll(() => h.dispose())

  const deliveryCount = async () =>
    Number(
      (
        await h.database.db
          .selectFrom('webhook_deliveries')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('are events for every mutation of records, users and roles, and only those', () => {
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>
    const mutations = Object.entries(procedures)
      .filter(
        ([path, procedure]) => /^(records|users|roles)\./.test(path) && procedure._def.type === 'mutation',
      )
      .map(([path]) => path)
    expect([...WEBHOOK_EVENTS].sort()).toEqual(mutations.sort())
  })

  it('gives a new subscriber its secret once: the list never shows it', async () => {
    const created = await admin().webhookSubscribers.create({ url: 'https://hooks.example.com/trellis' })
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/)
    expect(created.events).toBeNull()
    const { items } = await admin().webhookSubscribers.list()
    const listed = items.find((item) => item.id === created.id)
    expect(listed).toEqual({
      id: created.id,
      url: 'https://hooks.example.com/trellis',
      events: null,
      enabled: true,
      createdAt: created.createdAt,
    })
    expect(JSON.stringify(items)).not.toContain(created.secret)
    await admin().webhookSubscribers.delete({ id: created.id })
  })

  it('refuses bad input with the issue said, and creates nothing', async () => {
    const bad: [unknown, string][] = [
      [{ url: 'ftp://hooks.example.com/' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'https://user:pass@hooks.example.com/' }, 'url'],
      [{ url: 'https://hooks.example.com/', events: ['records.read'] }, 'events'],
      [{ url: 'https://hooks.example.com/', events: [] }, 'events'],
      [{ url: 'https://hooks.example.com/', secret: 'mine' }, ''],
    ]
    for (const [input, path] of bad) {
      const error = await failure(admin().webhookSubscribers.create(input as never))
      expect(error.code, JSON.stringify(input)).toBe('BAD_REQUEST')
      expect(formatted(error).inputIssues?.[0]?.path.join('.') ?? '', JSON.stringify(input)).toMatch(
        new RegExp(`^${path}`),
      )
    }
    const error = await failure(
      admin().webhookSubscribers.create({ url: 'https://user:pass@hooks.example.com/' }),
    )
    expect(formatted(error).inputIssues?.[0]?.message).toBe(
      'must not hold a user name or password: deliveries are signed instead',
    )
    expect((await admin().webhookSubscribers.list()).items).toEqual([])
  })

  it('changes the events or pauses a subscriber, and refuses an update that changes nothing', async () => {
    const { id } = await admin().webhookSubscribers.create({
      url: 'https://a.example.com/',
      events: ['roles.create'],
    })
    expect(await admin().webhookSubscribers.update({ id, events: null, enabled: false })).toMatchObject({
      events: null,
      enabled: false,
    })
    expect(await admin().webhookSubscribers.update({ id, events: ['users.move'] })).toMatchObject({
      events: ['users.move'],
      enabled: false,
    })
    const nothing = await failure(admin().webhookSubscribers.update({ id }))
    expect([nothing.code, formatted(nothing).inputIssues?.[0]?.message]).toEqual([
      'BAD_REQUEST',
      'change enabled, events or both',
    ])
    const unknown = '00000000-0000-4000-8000-000000000000'
    expect((await failure(admin().webhookSubscribers.update({ id: unknown, enabled: true }))).code).toBe(
      'NOT_FOUND',
    )
    await admin().webhookSubscribers.delete({ id })
  })

  it('is for those who hold webhookSubscribers.manage only, and says NOT_FOUND for an unknown subscriber', async () => {
    expect((await failure(h.callAs(stranger).webhookSubscribers.list())).code).toBe('FORBIDDEN')
    expect(
      (await failure(h.callAs(null).webhookSubscribers.create({ url: 'https://a.example.com/' }))).code,
    ).toBe('UNAUTHORIZED')
    const unknown = '00000000-0000-4000-8000-000000000000'
    expect((await failure(admin().webhookSubscribers.delete({ id: unknown }))).code).toBe('NOT_FOUND')
    expect((await failure(admin().webhookSubscribers.deliveries({ id: unknown }))).code).toBe('NOT_FOUND')
  })

  it('queues an event for each matching subscriber, in the transaction of the change', async () => {
    const all = await admin().webhookSubscribers.create({ url: 'https://all.example.com/' })
    const usersOnly = await admin().webhookSubscribers.create({
      url: 'https://users.example.com/',
      events: ['users.create', 'users.create'],
    })
    expect(usersOnly.events).toEqual(['users.create'])
    const before = await deliveryCount()

    const record = await admin().records.create({ entityType: 'notes', data: {} })
    await admin().records.list({ entityType: 'notes' })
    // A failed mutation rolls back its event with it.
    await failure(admin().records.update({ id: '00000000-0000-4000-8000-000000000000', data: {} }))
    const user = await admin().users.create({ email: 'new@example.com', parentId: h.adminId })
    await admin().roles.create({ name: 'helper', grants: {} })
    await admin().users.assignRole({ id: user.id, role: 'helper' })
    expect(await deliveryCount()).toBe(before + 5)

    const toAll = (await admin().webhookSubscribers.deliveries({ id: all.id })).items
    expect(toAll.map((delivery) => delivery.event)).toEqual([
      'users.assignRole',
      'roles.create',
      'users.create',
      'records.create',
    ])
    const [assigned, role, created, recordCreated] = toAll.map((delivery) => delivery.payload)
    expect(recordCreated).toMatchObject({ event: 'records.create', actorId: h.adminId, targetId: record.id })
    expect(created).toMatchObject({ event: 'users.create', targetId: user.id })
    expect(role).toMatchObject({ event: 'roles.create', targetId: null, role: 'helper' })
    expect(assigned).toMatchObject({ targetId: user.id, role: 'helper', scope: null })
    expect(toAll[0]).toMatchObject({ status: 'pending', attempts: 0, lastError: null })

    const toUsers = (await admin().webhookSubscribers.deliveries({ id: usersOnly.id })).items
    expect(toUsers.map((delivery) => delivery.payload)).toEqual([created])
    // The same event for every subscriber: receivers dedupe by its id.
    expect(toUsers[0]!.eventId).toBe((created as { id: string }).id)

    await admin().webhookSubscribers.delete({ id: all.id })
    await admin().webhookSubscribers.delete({ id: usersOnly.id })
    expect(await deliveryCount()).toBe(before)
  })
})
