import { randomUUID } from 'node:crypto'
import { denialCode } from '@trellis/api/testing'
import {
  type EntityTypeScope,
  type Level,
  type ParentMap,
  type PolicyScope,
  partyActions,
  subtreeOf,
  visibleOwners,
} from '@trellis/core'
import { createTrellisClient, isTrellisError, listAll, type TrellisClient } from '@trellis/sdk'
import { expect } from 'vitest'
import { addPerson } from '../add-person.js'
import { startTestServer, type TestServer } from '../start-test-server.js'

export const ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
/** The password of every user `addRoleUser` makes. */
export const ROLE_USER_PASSWORD = 'a good long password'

/** A server started with a preset, its first administrator signed in, and the user tree so far. */
export interface PresetServer {
  readonly server: TestServer
  readonly admin: TrellisClient
  readonly adminId: string
  /** The administrator as a cast member (it holds the preset's protected role). */
  readonly adminUser: RoleUser
  /** Every user created here, with its parent: the oracle's input. */
  readonly tree: Map<string, string | null>
  /** An anonymous client. */
  readonly anonymous: TrellisClient
  stop(): Promise<void>
}

export async function startPresetServer(preset: string): Promise<PresetServer> {
  const server = await startTestServer({ TRELLIS_PRESET: preset })
  const admin = createTrellisClient({ url: server.trpcUrl })
  const { user } = await admin.auth.login.mutate(ADMIN)
  return {
    server,
    admin,
    adminId: user.id,
    adminUser: { id: user.id, email: ADMIN.email, password: ADMIN.password, client: admin },
    tree: new Map([[user.id, null]]),
    anonymous: createTrellisClient({ url: server.trpcUrl }),
    stop: () => server.stop(),
  }
}

export interface RoleUser {
  readonly id: string
  readonly email: string
  readonly password: string
  readonly client: TrellisClient
}

/**
 * A person under `parentId` holding `role` (bound by the administrator through the API,
 * scoped when asked), signed in through the SDK.
 */
export async function addRoleUser(
  preset: PresetServer,
  options: {
    readonly name: string
    readonly parentId: string
    readonly role?: string
    readonly scope?: EntityTypeScope | PolicyScope
  },
): Promise<RoleUser> {
  const email = `${options.name}-${randomUUID().slice(0, 8)}@example.com`
  const id = await addPerson(preset.server.database.db, email, ROLE_USER_PASSWORD, options.parentId)
  preset.tree.set(id, options.parentId)
  if (options.role) {
    await preset.admin.users.assignRole.mutate({
      id,
      role: options.role,
      ...(options.scope ? { scope: options.scope } : {}),
    })
  }
  const client = createTrellisClient({ url: preset.server.trpcUrl })
  await client.auth.login.mutate({ email, password: ROLE_USER_PASSWORD })
  return { id, email, password: ROLE_USER_PASSWORD, client }
}

/** Asserts a call is allowed (resolves) or denied (a FORBIDDEN, NOT_FOUND or UNAUTHORIZED error). */
export async function expectOutcome(call: Promise<unknown>, allowed: boolean, what: string): Promise<void> {
  const outcome = await call.then(
    () => 'allowed',
    (error: unknown) => {
      if (isTrellisError(error) && denialCode(error)) return 'denied'
      throw new Error(`${what}: failed with neither success nor a denial: ${String(error)}`)
    },
  )
  expect(outcome, what).toBe(allowed ? 'allowed' : 'denied')
}

/** Every record of a type the client can list, following the cursor to the end. */
export function allRecordsOf(client: TrellisClient, entityType: string) {
  return listAll((cursor) => client.records.list.query({ entityType, limit: 200, cursor }))
}

/**
 * The records of a type whose owner or a party counted for reading the level reaches from
 * `actorId` (the oracle in @trellis/core decides; a party reaching members involves its
 * user's subtree). All of them for an anonymous caller, which only ever reads at ALL.
 */
async function visibleRecordsOf(
  preset: PresetServer,
  actorId: string | null,
  entityType: string,
  level: Level,
) {
  const everything = await allRecordsOf(preset.admin, entityType)
  const tree: ParentMap = preset.tree
  const reached = actorId === null ? null : visibleOwners(tree, actorId, level)
  const parties = Object.entries(
    (await preset.admin.entityTypes.get.query({ name: entityType })).parties ?? {},
  )
  const involved = (record: (typeof everything)[number]) => [
    record.ownerId,
    ...parties
      .filter(([, party]) => partyActions(party).includes('read'))
      .flatMap(([name, party]) =>
        (record.parties[name] ?? []).flatMap((user) =>
          party.reaches === 'members' ? [...subtreeOf(tree, user)] : [user],
        ),
      ),
  ]
  return everything.filter((record) => reached === null || involved(record).some((user) => reached.has(user)))
}

/** Asserts a leveled read: denied when `level` is undefined, else exactly the visible records. */
export async function expectReadsAtLevel(
  preset: PresetServer,
  client: TrellisClient,
  actorId: string | null,
  entityType: string,
  level: Level | undefined,
  what: string,
): Promise<void> {
  if (level === undefined) {
    await expectOutcome(client.records.list.query({ entityType }), false, what)
    return
  }
  const expected = await visibleRecordsOf(preset, actorId, entityType, level)
  const seen = await allRecordsOf(client, entityType)
  expect(seen.map((record) => record.id).sort(), what).toEqual(expected.map((record) => record.id).sort())
}

/**
 * Asserts leveled totals: `records.aggregate` denied when `level` is undefined, else the
 * count of the visible records (as `expectReadsAtLevel` decides them) and the sum of their
 * numeric `field` (null when none holds a number).
 */
export async function expectTotalsAtLevel(
  preset: PresetServer,
  client: TrellisClient,
  actorId: string | null,
  entityType: string,
  field: string,
  level: Level | undefined,
  what: string,
): Promise<void> {
  const totals = client.records.aggregate.query({ entityType, sum: [field] })
  if (level === undefined) {
    await expectOutcome(totals, false, `${what} (totals)`)
    return
  }
  const expected = await visibleRecordsOf(preset, actorId, entityType, level)
  const numbers = expected.flatMap((record) => {
    const value = record.data[field]
    return typeof value === 'number' ? [value] : []
  })
  const { count, sum } = await totals
  expect(count, `${what} (count)`).toBe(expected.length)
  if (numbers.length === 0) expect(sum[field], `${what} (sum)`).toBeNull()
  // SQL sums exactly and rounds once; a sum in JavaScript may be off in the last digits.
  else
    expect(sum[field], `${what} (sum)`).toBeCloseTo(
      numbers.reduce((a, b) => a + b, 0),
      6,
    )
}
