import { PERMISSIONS } from '@trellis/api'
import { addPerson } from '../testing/add-person.js'
import type { TestServer } from '../testing/start-test-server.js'
import type { FuzzPools } from './input-generator.js'

export const FUZZ_ADMIN = { email: 'admin@trellis.local', password: 'correct horse battery' }
const PASSWORD = 'a good long password'

/** Who calls: no credentials, a narrow role, or the administrator. */
export interface FuzzIdentity {
  readonly name: 'anonymous' | 'low' | 'admin'
  readonly token?: string
}

export interface FuzzWorld {
  readonly identities: readonly FuzzIdentity[]
  readonly pools: FuzzPools
}

const THING_SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 200 },
    amount: { type: 'number' },
    note: { type: 'string' },
  },
  additionalProperties: false,
}

// Orb's two-step operation, so transitions and their permissions exist to be fuzzed.
const THING_MACHINE = {
  initial: 'draft',
  transitions: {
    start: { from: ['draft'], to: 'started' },
    execute: { from: ['started'], to: 'done', fields: ['note'] },
    reverse: { from: ['done'], to: 'reversed' },
  },
}

/**
 * A small world to fuzz in: the administrator; `low`, holding a narrow role, with a
 * child; a service account with a key; an entity type with a state machine and records
 * of both users; a pending invitation. Its ids and names feed the generator.
 */
export async function buildFuzzWorld(server: TestServer): Promise<FuzzWorld> {
  const login = async (email: string, password: string) => {
    const response = await fetch(`${server.trpcUrl}/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
    const body = (await response.json()) as { result?: { data: { token: string; user: { id: string } } } }
    if (!body.result) throw new Error(`World setup: login of ${email} failed: ${JSON.stringify(body)}`)
    return body.result.data
  }
  const mutate = async (token: string, path: string, input: unknown) => {
    const response = await fetch(`${server.trpcUrl}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(input),
    })
    const body = (await response.json()) as { result?: { data: any }; error?: unknown }
    if (!body.result) throw new Error(`World setup: ${path} failed: ${JSON.stringify(body.error)}`)
    return body.result.data
  }

  const admin = await login(FUZZ_ADMIN.email, FUZZ_ADMIN.password)
  const db = server.database.db
  const lowId = await addPerson(db, 'low@example.com', PASSWORD, admin.user.id)
  const childId = await addPerson(db, 'child@example.com', PASSWORD, lowId)
  await mutate(admin.token, 'entityTypes.create', {
    name: 'things',
    schema: THING_SCHEMA,
    stateMachine: THING_MACHINE,
  })
  await mutate(admin.token, 'roles.create', {
    name: 'narrow',
    grants: {
      'users.read': 'OWNED',
      'records.read': 'OWNED',
      'records.create': 'SELF',
      'things.start': 'SELF',
      'audit.read': 'SELF',
    },
  })
  await mutate(admin.token, 'users.assignRole', { id: lowId, role: 'narrow' })
  const service = await mutate(admin.token, 'users.create', {
    email: 'robot@example.com',
    kind: 'service',
    parentId: admin.user.id,
  })
  const key = await mutate(admin.token, 'apiKeys.create', { userId: service.id, name: 'fuzz' })
  const adminThing = await mutate(admin.token, 'records.create', {
    entityType: 'things',
    data: { title: 'a' },
  })
  const lowThing = await mutate(admin.token, 'records.create', {
    entityType: 'things',
    ownerId: lowId,
    data: { title: 'b', amount: 1 },
  })
  const invited = await mutate(admin.token, 'invitations.create', {
    email: 'invited@example.com',
    role: 'narrow',
    parentId: lowId,
  })
  const low = await login('low@example.com', PASSWORD)

  const ids = [admin.user.id, lowId, childId, service.id, key.apiKey.id, adminThing.id, lowThing.id]
  ids.push(invited.user.id)
  return {
    identities: [
      { name: 'anonymous' },
      { name: 'low', token: low.token },
      { name: 'admin', token: admin.token },
    ],
    pools: {
      ids,
      emails: ['admin@trellis.local', 'low@example.com', 'child@example.com', 'invited@example.com'],
      names: [
        'admin',
        'public',
        'narrow',
        'things',
        'start',
        'execute',
        'reverse',
        'draft',
        'started',
        'done',
        'SELF',
        'OWNED',
        'entityType:things',
        'things.start',
        'things.read',
        'title',
        'note',
        'a good long password',
        ...Object.keys(PERMISSIONS),
      ],
      byKey: {
        'records.id': [adminThing.id, lowThing.id],
        'apiKeys.id': [key.apiKey.id],
        'invitations.userId': [invited.user.id],
        entityType: ['things'],
        name: ['things', 'narrow', 'start', 'execute', 'reverse'],
        role: ['narrow', 'admin', 'public'],
        permission: [...Object.keys(PERMISSIONS), 'things.start', 'things.execute', 'things.read'],
        status: ['draft', 'started', 'done'],
        scope: ['entityType:things'],
        search: ['low', 'example'],
        initial: ['draft'],
        to: ['done', 'started'],
        // records.aggregate's fields: totals of the number, groups by the text.
        sum: ['amount'],
        min: ['amount'],
        max: ['amount'],
        field: ['title', 'amount'],
      },
      objects: [
        { title: 'fuzz' },
        { title: 'fuzz', amount: 3, note: 'n' },
        { note: 'only a note' },
        THING_SCHEMA,
        { type: 'object' },
      ],
    },
  }
}
