import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appRouter } from '../app-router.js'
import { encodeCursor } from '../pagination/cursor.js'
import { byName, newestFirst } from '../pagination/keyset.js'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'

// Text PostgreSQL cannot store: NUL (22021 in text, 22P05 in jsonb) and an unpaired surrogate
// (jsonb 22P02; text would silently become U+FFFD).
const POISONS = { nul: '\u0000', surrogate: '\uD800x' }

// Fields whose object keys the caller chooses, which must be refused poisoned too: at any
// depth in JSON, at the top of a keyed record.
const JSON_FIELDS = new Set(['data', 'schema'])
const KEYED_FIELDS = new Set(['grants', 'references', 'transitions', 'types'])
type FreeKeys = 'none' | 'top' | 'deep'

interface Procedure {
  _def: { type: string; inputs: { safeParse(value: unknown): { success: boolean } }[] }
}
const procedures = appRouter._def.procedures as unknown as Record<string, Procedure>

type Site = { where: string; input: unknown }

/** Every copy of `input` with one string (or free key) poisoned, named by where. */
function poisonedCopies(
  input: unknown,
  poison: string,
  path: string[] = [],
  free: FreeKeys = 'none',
): Site[] {
  if (typeof input === 'string') return [{ where: path.join('.'), input: input + poison }]
  if (Array.isArray(input)) {
    return input.flatMap((item, index) =>
      poisonedCopies(item, poison, [...path, String(index)], free).map((site) => ({
        where: site.where,
        input: input.map((other, at) => (at === index ? site.input : other)),
      })),
    )
  }
  if (typeof input !== 'object' || input === null) return []
  const entries = Object.entries(input)
  return entries.flatMap(([key, value], index) => {
    const inner: FreeKeys =
      free === 'deep' || JSON_FIELDS.has(key) ? 'deep' : KEYED_FIELDS.has(key) ? 'top' : 'none'
    const replaced = (entry: [string, unknown]) =>
      Object.fromEntries(entries.map((other, at) => (at === index ? entry : other)))
    const valueSites = poisonedCopies(value, poison, [...path, key], inner).map((site) => ({
      where: site.where,
      input: replaced([key, site.input]),
    }))
    const keySite =
      free === 'none'
        ? []
        : [{ where: `${[...path, key].join('.')} (key)`, input: replaced([key + poison, value]) }]
    return [...keySite, ...valueSites]
  })
}

describe('text PostgreSQL cannot store (regression: NUL or a lone surrogate answered 500, unaudited)', () => {
  let h: ApiHarness
  const samples: Record<string, unknown> = {}

  beforeAll(async () => {
    h = await createApiHarness()
    const admin = h.callAs(h.adminId)
    const worker = await h.addUser('worker@example.com', h.adminId)
    const service = await admin.users.create({
      email: 'robot@example.com',
      parentId: h.adminId,
      kind: 'service',
    })
    const { apiKey } = await admin.apiKeys.create({ userId: service.id, name: 'robot' })
    const carsDefinition = {
      name: 'cars',
      description: 'Cars on the lot',
      schema: { type: 'object', properties: { plate: { type: 'string' }, extra: { type: 'object' } } },
      stateMachine: {
        initial: 'parked',
        transitions: { drive: { from: ['parked'], to: 'moving', fields: ['plate'] } },
      },
      references: { towedBy: 'cars' },
    }
    await admin.entityTypes.create(carsDefinition)
    await admin.policies.create({ name: 'carFeed', types: { cars: {} } })
    const data = { plate: 'AB-123', extra: { tags: ['red'], note: 'dented' } }
    const car = await admin.records.create({ entityType: 'cars', ownerId: worker, data })
    const password = 'a long new password'
    const cursor = encodeCursor(newestFirst('records', 'created_at'), {
      created_at: new Date('2999-01-01T00:00:00Z'),
      id: car.id,
    })
    const nameCursor = encodeCursor(byName('roles'), { name: 'a' })
    const when = { from: '2020-01-01T00:00:00Z', to: '2999-01-01T00:00:00Z' }
    const hook = await admin.webhookSubscribers.create({ url: 'https://hooks.example.com/' })
    Object.assign(samples, {
      'access.explain': {
        userId: worker,
        permission: 'cars.read',
        recordId: car.id,
        scope: 'entityType:cars',
      },
      'apiKeys.create': { userId: service.id, name: 'second' },
      'apiKeys.list': { userId: service.id, cursor },
      'apiKeys.rotate': { id: apiKey.id },
      'apiKeys.revoke': { id: apiKey.id },
      'audit.list': { permission: 'users.read', cursor, ...when },
      'auth.login': { email: 'worker@example.com', password },
      'auth.changePassword': { currentPassword: password, newPassword: `${password}!` },
      'auth.requestPasswordReset': { email: 'worker@example.com' },
      'auth.resetPassword': { token: 'a-reset-token', newPassword: password },
      'entityTypes.list': { cursor: nameCursor },
      'entityTypes.get': { name: 'cars' },
      'entityTypes.create': { ...carsDefinition, name: 'trucks', references: { towedBy: 'trucks' } },
      'entityTypes.update': carsDefinition,
      'entityTypes.delete': { name: 'cars' },
      'invitations.create': {
        email: 'new@example.com',
        role: 'admin',
        scope: 'entityType:cars',
        parentId: h.adminId,
      },
      'invitations.list': { cursor },
      'invitations.resend': { userId: worker },
      'invitations.revoke': { userId: worker },
      'invitations.accept': { token: 'an-invitation-token', password, displayName: 'Ann' },
      'policies.list': { cursor: nameCursor },
      'policies.get': { name: 'carFeed' },
      'policies.create': {
        name: 'otherFeed',
        description: 'Cars for partners',
        types: { cars: { filter: { and: [{ field: 'plate', in: ['AB-123'] }] }, masks: ['extra'] } },
        legal: {
          attribution: 'Lot',
          licence: 'CC-BY',
          contact: 'lot',
          notes: [{ text: 'x', link: 'https://a.b/' }],
        },
      },
      'policies.update': { name: 'carFeed', description: 'Cars', types: { cars: { masks: ['plate'] } } },
      'policies.delete': { name: 'carFeed' },
      'policies.usage': { policy: 'partnerFeed' },
      'records.create': { entityType: 'cars', ownerId: worker, data, parties: { riders: [worker] } },
      'records.get': { id: car.id },
      'records.list': {
        entityType: 'cars',
        ownerId: worker,
        subtreeOf: h.adminId,
        status: 'parked',
        createdAfter: when.from,
        createdBefore: when.to,
        cursor,
      },
      'records.aggregate': {
        entityType: 'cars',
        sum: ['plate'],
        min: ['plate'],
        max: ['plate'],
        groupBy: { field: 'plate' },
        ownerId: worker,
        subtreeOf: h.adminId,
        status: 'parked',
        createdAfter: when.from,
        createdBefore: when.to,
      },
      'records.update': { id: car.id, data },
      'records.delete': { id: car.id },
      'records.transition': { id: car.id, name: 'drive', data: { plate: 'CD-456' } },
      'records.addParty': { id: car.id, party: 'riders', userId: worker },
      'records.removeParty': { id: car.id, party: 'riders', userId: worker },
      'roles.list': { cursor: nameCursor },
      'roles.get': { name: 'admin' },
      'roles.create': { name: 'clerk', description: 'Clerks', grants: { 'users.read': 'ALL' } },
      'roles.update': { name: 'admin', description: 'Still the admin' },
      'roles.setGrant': { role: 'admin', permission: 'cars.read', grant: 'ALL' },
      'roles.delete': { name: 'clerk' },
      'system.ping': { echo: 'hello' },
      'users.create': { email: 'new@example.com', displayName: 'New', parentId: h.adminId },
      'users.createService': { email: 'robot@example.com', displayName: 'Robot', parentId: h.adminId },
      'users.updateService': { id: service.id, email: 'robot2@example.com', displayName: 'Robot' },
      'users.deleteService': { id: service.id },
      'users.get': { id: worker },
      'users.list': {
        role: 'admin',
        subtreeOf: h.adminId,
        parentId: h.adminId,
        search: 'work',
        cursor,
      },
      'users.children': { id: h.adminId, cursor },
      'users.ancestors': { id: worker },
      'users.update': { id: worker, email: 'worker2@example.com', displayName: 'Worker' },
      'users.move': { id: worker, newParentId: service.id },
      'users.delete': { id: worker, transferTo: h.adminId },
      'users.deactivate': { id: worker },
      'users.reactivate': { id: worker },
      'users.assignRole': { id: worker, role: 'admin', scope: 'entityType:cars' },
      'users.unassignRole': { id: worker, role: 'admin', scope: 'entityType:cars' },
      'users.roles': { id: worker },
      'webhookSubscribers.create': { url: 'https://hooks.example.com/new', events: ['records.create'] },
      'webhookSubscribers.list': { cursor },
      'webhookSubscribers.update': { id: hook.id, events: ['users.create'] },
      'webhookSubscribers.delete': { id: hook.id },
      'webhookSubscribers.deliveries': { id: hook.id, cursor },
    })
  })
  afterAll(() => h.dispose())

  it('has a valid sample for every procedure that takes a string, so the poison alone is refused', () => {
    for (const [path, procedure] of Object.entries(procedures)) {
      const inputs = procedure._def.inputs
      // A procedure without a sample must take no string at all: `{}` (or nothing) is all it accepts.
      if (!(path in samples)) {
        expect(
          inputs.every((input) => input.safeParse({}).success || input.safeParse(undefined).success),
          path,
        ).toBe(true)
        continue
      }
      expect(inputs.length, path).toBeGreaterThan(0)
      for (const input of inputs) expect(input.safeParse(samples[path]).success, path).toBe(true)
    }
  })

  it('answers BAD_REQUEST (or UNAUTHORIZED / FORBIDDEN first), never 500, and audits refused mutations', async () => {
    const auditCount = async (procedure: string) =>
      Number(
        (
          await h.database.db
            .selectFrom('audit_events')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('procedure', '=', procedure)
            .executeTakeFirstOrThrow()
        ).n,
      )
    const outcomes: string[] = []
    let calls = 0
    for (const [path, sample] of Object.entries(samples)) {
      const isMutation = procedures[path]!._def.type === 'mutation'
      for (const [poisonName, poison] of Object.entries(POISONS)) {
        for (const site of poisonedCopies(sample, poison)) {
          for (const caller of [null, h.adminId]) {
            const before = await auditCount(path)
            const call = path
              .split('.')
              .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], h.callAs(caller)) as (
              input: unknown,
            ) => Promise<unknown>
            const error = await call(site.input).then(
              () => new Error('succeeded'),
              (caught: unknown) => caught,
            )
            const code = error instanceof TRPCError ? error.code : String(error)
            const fromInput =
              error instanceof TRPCError && Array.isArray((error.cause as { issues?: unknown })?.issues)
            const allowed =
              (code === 'BAD_REQUEST' && fromInput) ||
              (caller === null && (code === 'UNAUTHORIZED' || code === 'FORBIDDEN'))
            const audited = (await auditCount(path)) - before
            const expectedAudit = isMutation || code !== 'BAD_REQUEST' ? 1 : 0
            calls++
            if (!allowed || audited !== expectedAudit) {
              outcomes.push(
                `${path} ${site.where} (${poisonName}) as ${caller ? 'admin' : 'anonymous'}: ${code}` +
                  `${fromInput ? ' (input)' : ''}, audit events ${audited}`,
              )
            }
          }
        }
      }
    }
    expect(outcomes).toEqual([])
    expect(calls).toBeGreaterThan(300)
  })
})
