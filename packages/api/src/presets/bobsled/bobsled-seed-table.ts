import { randomUUID } from 'node:crypto'
import { isLevel } from '@trellis/core'
import { type Cell, denialCode, type SeedClient, type SeedRow } from '../seed-table.js'

/** The seed's columns, in its order (the seed's "Members" column is the role `member`). */
export const BOBSLED_ROLES = ['owner', 'member', 'fulfillment', 'integrator', 'consumer', 'viewer'] as const
export type BobsledRole = (typeof BOBSLED_ROLES)[number]

/** What the rows build their targets with: the owner's client and a few fixed users. */
export interface BobsledWorld {
  /** The first administrator, holding `owner`: it makes every row's targets. */
  readonly owner: SeedClient
  readonly ownerId: string
  /** The consumer the rows' shares and transfers are shared with (and owned by). */
  readonly consumerId: string
  /**
   * The account user of the consumer's organization: the consumer sits below it, and it
   * owns the organization's `consumerOrganizations` record, `organizationId`.
   */
  readonly organizationAccountId: string
  readonly organizationId: string
  /** A service account: a user of kind `service`, whose secrets are API keys. */
  readonly serviceAccountId: string
  /** A new record made by the owner, owned by `ownerId` (the owner by default). */
  record(entityType: string, data: Record<string, unknown>, ownerId?: string): Promise<{ id: string }>
  /** A new invited person under the owner, made by the owner, holding `role` when given. */
  newUser(role?: string): Promise<string>
}

type BobsledRow = SeedRow<BobsledRole, BobsledWorld>

/** A row's cells written as the seed lays them out: `'✔ ✔ ✗ ✗ ✗ ✗'`, one token per role. */
function cells(line: string): Record<BobsledRole, Cell> {
  const tokens = line.split(' ')
  if (tokens.length !== BOBSLED_ROLES.length)
    throw new Error(`Expected ${BOBSLED_ROLES.length} cells: ${line}`)
  const entries = tokens.map((token, index) => {
    if (token !== '✔' && token !== '✗' && !isLevel(token)) throw new Error(`Not a cell: ${token}`)
    return [BOBSLED_ROLES[index], token as Cell] as const
  })
  return Object.fromEntries(entries) as Record<BobsledRole, Cell>
}

/**
 * Runs every step of a line whatever the others did (each has its own target), then
 * resolves when all were allowed and rejects with the first denial when all were denied.
 * A line granted only in part rejects with a plain error, which the replay reports as
 * neither allowed nor denied: a cell is one answer for the whole line.
 */
async function allOrNone(steps: Record<string, () => Promise<unknown>>): Promise<void> {
  const allowed: string[] = []
  const denied: { step: string; error: unknown; code: string }[] = []
  for (const [step, run] of Object.entries(steps)) {
    try {
      await run()
      allowed.push(step)
    } catch (error) {
      const code = denialCode(error)
      if (!code) throw error
      denied.push({ step, error, code })
    }
  }
  if (denied.length === 0) return
  if (allowed.length === 0) throw denied[0]!.error
  const refused = denied.map(({ step, code }) => `${step} (${code})`).join(', ')
  throw new Error(`Partly granted: ${allowed.join(', ')} allowed, but ${refused} denied`)
}

/** Create (as the role, owned by `ownerId` or the role), edit and delete (as the role, the owner's targets). */
function createEditDelete(
  entityType: string,
  data: Record<string, unknown>,
  edited: Record<string, unknown>,
  ownerOf: (world: BobsledWorld) => string | undefined = () => undefined,
) {
  return async (client: SeedClient, world: BobsledWorld) => {
    const ownerId = ownerOf(world)
    const toEdit = await world.record(entityType, data, ownerId)
    const toDelete = await world.record(entityType, data, ownerId)
    await allOrNone({
      create: () => client.records.create.mutate({ entityType, data, ...(ownerId ? { ownerId } : {}) }),
      edit: () => client.records.update.mutate({ id: toEdit.id, data: edited }),
      delete: () => client.records.delete.mutate({ id: toDelete.id }),
    })
  }
}

/** Edits an existing record made by the owner: the environment's settings exist before anyone edits them. */
function edit(entityType: string, data: Record<string, unknown>, edited: Record<string, unknown>) {
  return async (client: SeedClient, world: BobsledWorld) => {
    const target = await world.record(entityType, data)
    await client.records.update.mutate({ id: target.id, data: edited })
  }
}

const email = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`

/** A share shared with the world's consumer (shares are owned by their consumer), awaiting a destination. */
const newShare = (world: BobsledWorld) =>
  world.record('shares', { name: 'Quarterly sales' }, world.consumerId)

/**
 * seeds/bobsled-users-and-roles.txt, section "Permissions": one row per permission line of
 * every table, the cells as the seed gives them. The "View" lines read records and the
 * replay checks exactly which come back; the other lines call what they name and are
 * allowed or denied as a whole.
 */
export const bobsledSeedTable: readonly BobsledRow[] = [
  // Users
  {
    line: 'View Bobsled users',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    call: (client) => client.users.list.query({}),
  },
  {
    line: 'Invite, manage, and modify users',
    cells: cells('✔ ✗ ✗ ✗ ✗ ✗'),
    call: async (client, world) => {
      const invited = await world.newUser()
      const modified = await world.newUser()
      const viewer = await world.newUser('viewer')
      const deleted = await world.newUser()
      await allOrNone({
        invite: () =>
          client.invitations.create.mutate({
            email: email('invitee'),
            role: 'viewer',
            parentId: world.ownerId,
          }),
        resend: () => client.invitations.resend.mutate({ userId: invited }),
        modify: () => client.users.update.mutate({ id: modified, displayName: 'Renamed' }),
        assignRole: () => client.users.assignRole.mutate({ id: modified, role: 'fulfillment' }),
        unassignRole: () => client.users.unassignRole.mutate({ id: viewer, role: 'viewer' }),
        delete: () => client.users.delete.mutate({ id: deleted }),
      })
    },
    note:
      'The prose around the table ("Managing users": resend an invitation, change a role, delete a user) is ' +
      'what "manage and modify" means: invitations.create/resend, users.update/assignRole/unassignRole/delete.',
  },

  // Consumer organizations
  {
    line: 'View Consumer organizations',
    cells: cells('✔ ✔ ✔ ✔ ✗ ✔'),
    reads: { entityType: 'consumerOrganizations' },
  },
  {
    line: 'Create, edit, and delete consumer organizations',
    cells: cells('✔ ✔ ✔ ✗ ✗ ✗'),
    call: createEditDelete('consumerOrganizations', { name: 'Acme' }, { name: 'Acme Ltd' }),
  },

  // Data sources
  {
    line: 'Create, edit, and delete data sources',
    cells: cells('✔ ✔ ✗ ✔ ✗ ✗'),
    call: createEditDelete(
      'dataSources',
      { name: 'Warehouse', kind: 'snowflake' },
      { name: 'Warehouse', kind: 'bigquery' },
    ),
  },
  {
    line: 'View data sources',
    cells: cells('✔ ✔ ✔ ✔ ✗ ✔'),
    reads: { entityType: 'dataSources' },
  },

  // Shares
  {
    line: 'View ‘all shares’',
    cells: cells('✔ ✔ ✔ ✗ ✗ ✔'),
    reads: { entityType: 'shares', level: 'ALL' },
  },
  {
    line: 'View ‘own’ shares',
    cells: cells('✔ ✔ ✔ ✗ ✔ ✔'),
    reads: { entityType: 'shares', level: 'SELF' },
    note: 'A share is owned by the consumer it is shared with, so "own" shares are those at level SELF.',
  },
  {
    line: 'Create, archive, and delete share',
    cells: cells('✔ ✔ ✔ ✗ ✗ ✗'),
    call: async (client, world) => {
      const toArchive = await newShare(world)
      const toDelete = await newShare(world)
      await allOrNone({
        create: () =>
          client.records.create.mutate({
            entityType: 'shares',
            ownerId: world.consumerId,
            data: { name: 'Daily orders' },
          }),
        archive: () => client.records.transition.mutate({ id: toArchive.id, name: 'archive' }),
        delete: () => client.records.delete.mutate({ id: toDelete.id }),
      })
    },
  },
  {
    line: 'Manage, edit, and remove share details (metadata, source, consumer organization, destination)',
    cells: cells('✔ ✔ ✔ ✗ ✗ ✗'),
    call: async (client, world) => {
      const source = await world.record('dataSources', { name: 'Lake', kind: 's3' })
      const organization = await world.record(
        'consumerOrganizations',
        { name: 'Globex' },
        world.organizationAccountId,
      )
      const destination = await world.record('destinations', { name: 'Globex BQ', kind: 'bigquery' })
      const share = await newShare(world)
      await allOrNone({
        edit: () =>
          client.records.update.mutate({
            id: share.id,
            data: {
              name: 'Quarterly sales',
              metadata: { region: 'eu' },
              sourceId: source.id,
              consumerOrganizationId: organization.id,
              destinationId: destination.id,
            },
          }),
        remove: () => client.records.update.mutate({ id: share.id, data: { name: 'Quarterly sales' } }),
      })
    },
    note:
      'Consumer is ✗(*): "(*) If a Consumer has been invited to a Share without any destination set, they ' +
      'can set one up". The share here is the consumer’s own, so it is refused with FORBIDDEN (it can read ' +
      'it), and the footnote is the `setDestination` transition, replayed in its own test.',
  },

  {
    line: 'View ‘own’ shares (shared with the consumer among others)',
    cells: cells('✔ ✔ ✔ ✗ ✔ ✔'),
    call: async (client, world) => {
      const share = await world.owner.records.create.mutate({
        entityType: 'shares',
        data: { name: 'Shared widely' },
        parties: { consumers: [world.consumerId] },
      })
      return client.records.get.query({ id: share.id })
    },
    note: 'A share owned by the owner and shared with the consumer (its `consumers` party): the consumer reads it at SELF.',
  },
  {
    line: 'View ‘own’ shares (shared with the consumer’s organization)',
    cells: cells('✔ ✔ ✔ ✗ ✔ ✔'),
    call: async (client, world) => {
      const share = await world.owner.records.create.mutate({
        entityType: 'shares',
        data: { name: 'For Globex', consumerOrganizationId: world.organizationId },
      })
      return client.records.get.query({ id: share.id })
    },
    note:
      'The share names the consumer’s organization; its `organization` party is the account that owns the ' +
      'organization record, reaching its members, so the consumer below that account reads it at SELF.',
  },
  {
    line: 'Create, archive, and delete share (share with more consumers and organizations)',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    call: async (client, world) => {
      const share = await world.record('shares', { name: 'To be shared' })
      await allOrNone({
        addConsumer: () =>
          client.records.addParty.mutate({ id: share.id, party: 'consumers', userId: world.consumerId }),
        addOrganization: () =>
          client.records.addParty.mutate({
            id: share.id,
            party: 'organizations',
            userId: world.organizationAccountId,
          }),
        removeConsumer: () =>
          client.records.removeParty.mutate({ id: share.id, party: 'consumers', userId: world.consumerId }),
      })
    },
    note:
      '`shares.manageParties`, which Owner and Member hold. Parties given as users must be users the caller ' +
      'reads, and Fulfillment reads no users (“View Bobsled users” ✗): it shares with an organization through ' +
      'the share’s consumerOrganizationId instead (the row above), and is refused here.',
  },

  // Transfers
  {
    line: 'View transfer (details and access transfer details)',
    cells: cells('✔ ✔ ✔ ✔ SELF ✔'),
    reads: { entityType: 'transfers' },
    call: async (client, world) => {
      const share = await newShare(world)
      const transfer = await world.record('transfers', { shareId: share.id }, world.consumerId)
      await client.records.get.query({ id: transfer.id })
    },
    note:
      'Consumer ✔ is SELF: consumers "view a subset of the system that they have been explicitly granted ' +
      'access to", so they see their own transfers (owned by them, like their shares), not every transfer.',
  },
  {
    line: 'Create, manage (edit, pause, resume) and delete data transfers',
    cells: cells('✔ ✔ ✔ ✗ ✗ ✗'),
    call: async (client, world) => {
      const share = await newShare(world)
      const running = await world.record('transfers', { shareId: share.id }, world.consumerId)
      const paused = await world.record('transfers', { shareId: share.id }, world.consumerId)
      await world.owner.records.transition.mutate({ id: paused.id, name: 'pause' })
      await allOrNone({
        create: () =>
          client.records.create.mutate({
            entityType: 'transfers',
            ownerId: world.consumerId,
            data: { shareId: share.id },
          }),
        edit: () =>
          client.records.update.mutate({ id: running.id, data: { shareId: share.id, schedule: 'daily' } }),
        pause: () => client.records.transition.mutate({ id: running.id, name: 'pause' }),
        resume: () => client.records.transition.mutate({ id: paused.id, name: 'resume' }),
        delete: () => client.records.delete.mutate({ id: running.id }),
      })
    },
  },

  // Service Accounts
  {
    line: 'View Service Account (SA)',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    reads: { entityType: 'serviceAccounts' },
    call: (client, world) => client.apiKeys.list.query({ userId: world.serviceAccountId }),
    note: 'A service account is a record of serviceAccounts naming a user of kind service; its keys are apiKeys.',
  },
  {
    line: 'Create, manage and delete SA',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    call: async (client, world) => {
      const toManage = await world.owner.users.createService.mutate({
        email: email('sa-manage'),
        parentId: world.ownerId,
      })
      const toDelete = await world.owner.users.createService.mutate({
        email: email('sa-delete'),
        parentId: world.ownerId,
      })
      const record = { name: 'etl', userId: toManage.id }
      const recordToEdit = await world.record('serviceAccounts', record)
      const recordToDelete = await world.record('serviceAccounts', record)
      await allOrNone({
        create: async () => {
          const service = await client.users.createService.mutate({
            email: email('sa'),
            displayName: 'ETL',
            parentId: world.ownerId,
          })
          await client.records.create.mutate({
            entityType: 'serviceAccounts',
            data: { name: 'etl', userId: service.id },
          })
        },
        manage: () => client.users.updateService.mutate({ id: toManage.id, displayName: 'ETL nightly' }),
        editRecord: () =>
          client.records.update.mutate({ id: recordToEdit.id, data: { ...record, name: 'etl nightly' } }),
        delete: () => client.users.deleteService.mutate({ id: toDelete.id }),
        deleteRecord: () => client.records.delete.mutate({ id: recordToDelete.id }),
      })
    },
    note:
      'A service account is a user of kind service (users.createService/updateService/deleteService, ' +
      'permission users.manageServices, which reaches no person) plus its serviceAccounts record.',
  },
  {
    line: 'Generate and delete Secret',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    call: async (client, world) => {
      const existing = await world.owner.apiKeys.create.mutate({
        userId: world.serviceAccountId,
        name: 'old',
      })
      await allOrNone({
        generate: () => client.apiKeys.create.mutate({ userId: world.serviceAccountId, name: 'ci' }),
        delete: () => client.apiKeys.revoke.mutate({ id: existing.apiKey.id }),
      })
    },
  },

  // Webhooks
  {
    line: 'View Webhooks',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    reads: { entityType: 'webhooks' },
  },
  {
    line: 'Create and delete Webhooks',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    call: async (client, world) => {
      const data = { url: 'https://example.com/hooks/bobsled', events: ['transfer.completed'] }
      const existing = await world.record('webhooks', data)
      await allOrNone({
        create: () => client.records.create.mutate({ entityType: 'webhooks', data }),
        delete: () => client.records.delete.mutate({ id: existing.id }),
      })
    },
  },

  // Environment details
  {
    line: 'View Bobsled metadata',
    cells: cells('✔ ✔ ✗ ✔ ✗ ✔'),
    reads: { entityType: 'environmentMetadata' },
  },
  {
    line: 'View Source setup metadata',
    cells: cells('✔ ✔ ✗ ✔ ✗ ✔'),
    reads: { entityType: 'sourceSetupMetadata' },
  },
  {
    line: 'View Client ID',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    reads: { entityType: 'clientIds' },
  },
  {
    line: 'Edit authentication methods',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    call: edit('authenticationMethods', { method: 'password' }, { method: 'sso' }),
  },
  {
    line: 'Edit data delivery preferences',
    cells: cells('✔ ✔ ✗ ✗ ✗ ✗'),
    call: edit('deliveryPreferences', { format: 'parquet' }, { format: 'csv' }),
  },
]
