import { randomUUID } from 'node:crypto'
import { BOBSLED_ROLES, type BobsledRole, type BobsledWorld, bobsledSeedTable } from '@trellis/api/testing'
import { isTrellisError } from '@trellis/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callFailure as failure } from '../testing/call-failure.js'
import { replaySeedTable } from '../testing/replay/replay-seed-table.js'
import {
  addRoleUser,
  allRecordsOf,
  type PresetServer,
  type RoleUser,
  startPresetServer,
} from '../testing/replay/replay-world.js'

/** Sample data of every type the table reads, so that each role's reads have something to find. */
const SAMPLES: Record<string, (index: number, made: Record<string, string[]>) => Record<string, unknown>> = {
  consumerOrganizations: (index) => ({ name: `Organization ${index}` }),
  dataSources: (index) => ({ name: `Source ${index}`, kind: 'snowflake' }),
  destinations: (index) => ({ name: `Destination ${index}`, kind: 'bigquery' }),
  shares: (index) => ({ name: `Share ${index}` }),
  // A transfer names a share (a checked reference): one made just before.
  transfers: (index, made) => ({ shareId: made.shares![index]! }),
  serviceAccounts: (index) => ({ name: `Account ${index}` }),
  webhooks: (index) => ({ url: `https://example.com/hooks/${index}` }),
  environmentMetadata: (index) => ({ region: `region-${index}` }),
  sourceSetupMetadata: (index) => ({ step: index }),
  clientIds: (index) => ({ clientId: `client-${index}` }),
}

/** The message and the paths of a BAD_REQUEST's input issues. */
async function inputIssues(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!isTrellisError(error)) throw new Error(`Expected a Trellis error, got ${String(error)}`)
  return {
    code: error.data?.code,
    paths: (error.data?.inputIssues ?? []).map((issue) => issue.path.join('.')).sort(),
    issues: error.data?.inputIssues ?? [],
  }
}

// seeds/bobsled-users-and-roles.txt replayed against a server started with the bobsled preset.
describe('Bobsled preset: the seed replayed through the SDK', () => {
  let preset: PresetServer
  let users: Record<BobsledRole, RoleUser>
  /** A second consumer, so that "own" (SELF) and "all" differ for consumers too. */
  let otherConsumer: RoleUser
  let world: BobsledWorld

  beforeAll(async () => {
    preset = await startPresetServer('bobsled')
    const { admin, adminId } = preset
    const add = (name: string, role: BobsledRole, parentId = adminId) =>
      addRoleUser(preset, { name, parentId, role })
    const member = await add('member', 'member')
    const fulfillment = await add('fulfillment', 'fulfillment')
    const integrator = await add('integrator', 'integrator')
    // The consumer belongs to an organization: it sits below the organization's account.
    const organizationAccount = await addRoleUser(preset, { name: 'globex-account', parentId: adminId })
    const consumer = await add('consumer', 'consumer', organizationAccount.id)
    const viewer = await add('viewer', 'viewer')
    otherConsumer = await add('other-consumer', 'consumer', fulfillment.id)
    users = {
      owner: preset.adminUser,
      member,
      fulfillment,
      integrator,
      consumer,
      viewer,
    }

    const service = await admin.users.create.mutate({
      email: `etl-${randomUUID().slice(0, 8)}@example.com`,
      displayName: 'ETL',
      kind: 'service',
      parentId: adminId,
    })
    preset.tree.set(service.id, adminId)

    const organization = await admin.records.create.mutate({
      entityType: 'consumerOrganizations',
      ownerId: organizationAccount.id,
      data: { name: 'Globex' },
    })
    world = {
      owner: admin,
      ownerId: adminId,
      consumerId: consumer.id,
      organizationAccountId: organizationAccount.id,
      organizationId: organization.id,
      serviceAccountId: service.id,
      record: async (entityType, data, ownerId) => {
        const record = await admin.records.create.mutate({
          entityType,
          data,
          ...(ownerId ? { ownerId } : {}),
        })
        return { id: record.id }
      },
      newUser: async (role) => {
        const user = await admin.users.create.mutate({
          email: `target-${randomUUID().slice(0, 8)}@example.com`,
          parentId: adminId,
        })
        preset.tree.set(user.id, adminId)
        if (role) await admin.users.assignRole.mutate({ id: user.id, role })
        return user.id
      },
    }

    // Records of every type the table reads, owned across the tree: both consumers own some.
    const owners = [adminId, member.id, fulfillment.id, consumer.id, otherConsumer.id]
    const made: Record<string, string[]> = {}
    for (const [entityType, sample] of Object.entries(SAMPLES)) {
      for (const [index, ownerId] of owners.entries()) {
        const { id } = await world.record(entityType, sample(index, made), ownerId)
        made[entityType] = [...(made[entityType] ?? []), id]
      }
    }
  })
  afterAll(() => preset?.stop())

  it('serves the six roles of the seed, the owner protected, the first administrator an owner', async () => {
    const roles = (await preset.admin.roles.list.query()).items
    const byName = new Map(roles.map((role) => [role.name, role]))
    for (const role of BOBSLED_ROLES) expect(byName.has(role), role).toBe(true)
    expect(roles.filter((role) => role.protected).map((role) => role.name)).toEqual(['owner'])
    const held = await preset.admin.users.roles.query({ id: preset.adminId })
    expect(held).toEqual([{ role: 'owner', protected: true, scope: null }])
  })

  replaySeedTable(bobsledSeedTable, () => ({ preset, users, world }))

  it('(*) a consumer invited to a share without a destination can set one up, and only that', async () => {
    const consumer = users.consumer.client
    const mine = await world.record('shares', { name: 'Awaiting' }, users.consumer.id)
    const another = await world.record('shares', { name: 'Also awaiting' }, users.consumer.id)
    const theirs = await world.record('shares', { name: 'Not mine' }, otherConsumer.id)

    // Not the share's details...
    const update = await failure(consumer.records.update.mutate({ id: mine.id, data: { name: 'Mine now' } }))
    expect(update).toEqual({ code: 'FORBIDDEN', message: 'Permission required: shares.update' })

    // ...but its destination, one the consumer creates itself, while the share awaits one.
    const destination = await consumer.records.create.mutate({
      entityType: 'destinations',
      data: { name: 'My warehouse', kind: 'snowflake' },
    })
    expect(destination.ownerId).toBe(users.consumer.id)
    const set = await consumer.records.transition.mutate({
      id: mine.id,
      name: 'setDestination',
      data: { destinationId: destination.id },
    })
    expect(set).toMatchObject({
      id: mine.id,
      status: 'active',
      data: { name: 'Awaiting', destinationId: destination.id },
    })

    // Once set, it is no longer the consumer's to change.
    const again = await failure(
      consumer.records.transition.mutate({
        id: mine.id,
        name: 'setDestination',
        data: { destinationId: destination.id },
      }),
    )
    expect(again.code).toBe('CONFLICT')

    // Another consumer's share does not exist for it.
    const other = await failure(
      consumer.records.transition.mutate({
        id: theirs.id,
        name: 'setDestination',
        data: { destinationId: destination.id },
      }),
    )
    expect(other.code).toBe('NOT_FOUND')

    // The transition writes the destination and nothing else.
    const smuggled = await inputIssues(
      consumer.records.transition.mutate({
        id: another.id,
        name: 'setDestination',
        data: { destinationId: destination.id, name: 'Renamed' },
      }),
    )
    expect(smuggled.code).toBe('BAD_REQUEST')
    expect(smuggled.paths).toEqual(['data.name'])
    // The destination must be one the consumer can read: not another consumer's, not a made-up id.
    const theirDestination = await world.record(
      'destinations',
      { name: 'Their warehouse', kind: 'gcs' },
      otherConsumer.id,
    )
    for (const destinationId of [theirDestination.id, randomUUID()]) {
      const foreign = await inputIssues(
        consumer.records.transition.mutate({
          id: another.id,
          name: 'setDestination',
          data: { destinationId },
        }),
      )
      expect(foreign.code).toBe('BAD_REQUEST')
      expect(foreign.paths).toEqual(['data.destinationId'])
    }
    expect(await consumer.records.get.query({ id: another.id })).toMatchObject({
      status: 'awaitingDestination',
      data: { name: 'Also awaiting' },
    })
    // Nor can it archive the share it may set up.
    expect(
      (await failure(consumer.records.transition.mutate({ id: another.id, name: 'archive' }))).code,
    ).toBe('FORBIDDEN')
  })

  it('a share reaches the consumers and organizations it is shared with, who may set its destination', async () => {
    const consumer = users.consumer.client
    // Owned by the fulfillment user, shared with the consumer's organization by its field.
    const share = await users.fulfillment.client.records.create.mutate({
      entityType: 'shares',
      data: { name: 'Globex deliveries', consumerOrganizationId: world.organizationId },
    })
    expect(share.parties).toEqual({ organization: [world.organizationAccountId] })
    const destination = await consumer.records.create.mutate({
      entityType: 'destinations',
      data: { name: 'Globex warehouse', kind: 'snowflake' },
    })
    // The other consumer is in no organization the share names: it does not exist for it.
    expect((await failure(otherConsumer.client.records.get.query({ id: share.id }))).code).toBe('NOT_FOUND')
    expect(
      await consumer.records.transition.mutate({
        id: share.id,
        name: 'setDestination',
        data: { destinationId: destination.id },
      }),
    ).toMatchObject({ status: 'active', ownerId: users.fulfillment.id })

    // Shared with the other consumer too (Member may), then not any more.
    await users.member.client.records.addParty.mutate({
      id: share.id,
      party: 'consumers',
      userId: otherConsumer.id,
    })
    expect((await otherConsumer.client.records.get.query({ id: share.id })).parties).toEqual({
      organization: [world.organizationAccountId],
      consumers: [otherConsumer.id],
    })
    expect(
      (await otherConsumer.client.records.list.query({ entityType: 'shares' })).items.map((item) => item.id),
    ).toContain(share.id)
    await users.member.client.records.removeParty.mutate({
      id: share.id,
      party: 'consumers',
      userId: otherConsumer.id,
    })
    expect((await failure(otherConsumer.client.records.get.query({ id: share.id }))).code).toBe('NOT_FOUND')
    // The organization comes from the field: it is not added or removed by hand.
    const derived = await failure(
      users.member.client.records.removeParty.mutate({
        id: share.id,
        party: 'organization',
        userId: world.organizationAccountId,
      }),
    )
    expect(derived.code).toBe('BAD_REQUEST')
  })

  it('a Member manages service accounts and still cannot create or modify a person', async () => {
    const member = users.member.client
    const person = await world.newUser()
    const service = await member.users.createService.mutate({
      email: `robot-${randomUUID().slice(0, 8)}@example.com`,
      parentId: preset.adminId,
    })
    expect(service).toMatchObject({ kind: 'service', status: 'active' })
    // An API key for it, as "Generate Secret" says; the account itself holds no role.
    await member.apiKeys.create.mutate({ userId: service.id, name: 'ci' })
    expect(await member.users.roles.query({ id: service.id })).toEqual([])

    const personCalls = [
      () =>
        member.users.create.mutate({
          email: `person-${randomUUID().slice(0, 8)}@example.com`,
          parentId: preset.adminId,
        }),
      () => member.users.update.mutate({ id: person, displayName: 'Renamed' }),
      () => member.users.assignRole.mutate({ id: service.id, role: 'owner' }),
      () => member.users.delete.mutate({ id: person }),
    ]
    for (const call of personCalls) expect((await failure(call())).code).toBe('FORBIDDEN')
    for (const call of [
      () => member.users.updateService.mutate({ id: person, displayName: 'Renamed' }),
      () => member.users.deleteService.mutate({ id: person }),
      () => member.users.deleteService.mutate({ id: preset.adminId }),
    ]) {
      expect(await failure(call())).toEqual({
        code: 'BAD_REQUEST',
        message: 'Only a service account (a user of kind service) can be managed this way',
      })
    }
    expect(await preset.admin.users.get.query({ id: person })).toMatchObject({
      displayName: '',
      kind: 'person',
    })
    await member.users.deleteService.mutate({ id: service.id })
    expect((await failure(preset.admin.users.get.query({ id: service.id }))).code).toBe('NOT_FOUND')
  })

  it("changing a user's role takes effect on the user's very next call", async () => {
    const { admin, adminId } = preset
    const user = await addRoleUser(preset, { name: 'switcher', parentId: adminId, role: 'viewer' })
    const createShare = () =>
      user.client.records.create.mutate({
        entityType: 'shares',
        ownerId: users.consumer.id,
        data: { name: 'Switched' },
      })

    expect(await failure(createShare())).toEqual({
      code: 'FORBIDDEN',
      message: 'Permission required: shares.create',
    })

    await admin.users.assignRole.mutate({ id: user.id, role: 'fulfillment' })
    await admin.users.unassignRole.mutate({ id: user.id, role: 'viewer' })
    const created = await createShare()
    expect(created).toMatchObject({
      entityType: 'shares',
      ownerId: users.consumer.id,
      status: 'awaitingDestination',
    })

    await admin.users.assignRole.mutate({ id: user.id, role: 'viewer' })
    await admin.users.unassignRole.mutate({ id: user.id, role: 'fulfillment' })
    expect((await failure(createShare())).code).toBe('FORBIDDEN')
    // Still a viewer: it reads every share, the one it made as fulfillment included.
    const shares = await user.client.records.list.query({ entityType: 'shares', limit: 200 })
    expect(shares.items.map((share) => share.id)).toContain(created.id)
  })

  it('the owner role is protected: its last holder can be neither unassigned, deactivated nor deleted', async () => {
    const { admin, adminId } = preset
    const lastOwner = /protected role "owner" with no active holder/

    const unassignSelf = await failure(admin.users.unassignRole.mutate({ id: adminId, role: 'owner' }))
    expect(unassignSelf.code).toBe('CONFLICT')
    expect(unassignSelf.message).toMatch(lastOwner)

    // Someone else allowed to remove users, without being an owner, is refused as well.
    await admin.roles.create.mutate({
      name: 'steward',
      grants: {
        'users.read': 'ALL',
        'users.delete': 'ALL',
        'users.deactivate': 'ALL',
        'users.unassignRole': 'ALL',
      },
    })
    const steward = await addRoleUser(preset, { name: 'steward', parentId: adminId, role: 'steward' })
    for (const call of [
      steward.client.users.unassignRole.mutate({ id: adminId, role: 'owner' }),
      steward.client.users.deactivate.mutate({ id: adminId }),
      steward.client.users.delete.mutate({ id: adminId }),
    ]) {
      const refused = await failure(call)
      expect(refused.code).toBe('CONFLICT')
      expect(refused.message).toMatch(lastOwner)
    }
    expect(await admin.users.roles.query({ id: adminId })).toEqual([
      { role: 'owner', protected: true, scope: null },
    ])
    expect((await admin.users.get.query({ id: adminId })).status).toBe('active')

    // It is the last holder that is kept: an owner that is not the last one can lose the role.
    const second = await addRoleUser(preset, { name: 'second-owner', parentId: adminId, role: 'owner' })
    await steward.client.users.unassignRole.mutate({ id: second.id, role: 'owner' })
    expect(await admin.users.roles.query({ id: second.id })).toEqual([])
    expect((await failure(steward.client.users.delete.mutate({ id: adminId }))).code).toBe('CONFLICT')
  })

  it('refuses record data that breaks its type’s schema, naming each path', async () => {
    const fulfillment = users.fulfillment.client
    const before = await allRecordsOf(preset.admin, 'shares')
    const broken = await inputIssues(
      fulfillment.records.create.mutate({
        entityType: 'shares',
        data: { name: '', sourceId: 'not-a-uuid', metadata: 'not an object' },
      }),
    )
    expect(broken.code).toBe('BAD_REQUEST')
    expect(broken.paths).toEqual(['data.metadata', 'data.name', 'data.sourceId'])

    const missing = await inputIssues(fulfillment.records.create.mutate({ entityType: 'shares', data: {} }))
    expect(missing.code).toBe('BAD_REQUEST')
    expect(missing.issues).toEqual([expect.objectContaining({ code: 'required', path: ['data', 'name'] })])

    const badDestination = await inputIssues(
      fulfillment.records.create.mutate({ entityType: 'destinations', data: { name: 'Lake', kind: 'ftp' } }),
    )
    expect(badDestination.code).toBe('BAD_REQUEST')
    expect(badDestination.paths).toEqual(['data.kind'])

    // Nothing was written.
    expect(await allRecordsOf(preset.admin, 'shares')).toEqual(before)
  })
})
