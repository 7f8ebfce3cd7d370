import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { walkPages } from '../testing/walk-pages.js'

// records.list of a type with parties reads its page as two branches (owner within the
// level, counted party within it) merged: every page, walked to the end, must hold exactly
// the records `records.get` (the one-filter check) lets the caller read, newest first, each
// once, whether it is reached as owner, as party or both.
describe('records.list of types with parties, paged', () => {
  let h: ApiHarness
  // admin ─┬ boss ─┬ alice ── kid
  //        │       └ bob
  //        ├ org ── member
  //        └ eve
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)
  const as = (name: string) => h.callAs(ids[name]!)
  const created: string[] = []

  const charge = async (owner: string, parties: Record<string, string[]> = {}, pay = false) => {
    const record = await admin().records.create({
      entityType: 'charges',
      ownerId: ids[owner]!,
      data: {},
      parties: Object.fromEntries(
        Object.entries(parties).map(([party, users]) => [party, users.map((u) => ids[u]!)]),
      ),
    })
    if (pay) await admin().records.transition({ id: record.id, name: 'pay' })
    created.push(record.id)
  }

  beforeAll(async () => {
    h = await createApiHarness()
    ids.boss = await h.addUser('boss@example.com', h.adminId)
    ids.alice = await h.addUser('alice@example.com', ids.boss)
    ids.kid = await h.addUser('kid@example.com', ids.alice)
    ids.bob = await h.addUser('bob@example.com', ids.boss)
    ids.org = await h.addUser('org@example.com', h.adminId)
    ids.member = await h.addUser('member@example.com', ids.org)
    ids.eve = await h.addUser('eve@example.com', h.adminId)
    await admin().entityTypes.create({
      name: 'charges',
      schema: { type: 'object' },
      stateMachine: { initial: 'new', transitions: { pay: { from: ['new'], to: 'paid' } } },
      parties: {
        payee: { from: 'users' },
        org: { from: 'users', reaches: 'members' },
        auditor: { from: 'users', actions: ['update'] },
      },
    })
    await admin().entityTypes.create({ name: 'notes', schema: { type: 'object' } })
    await h.grant(ids.bob!, { 'charges.read': 'SELF' })
    await h.grant(ids.member!, { 'charges.read': 'SELF' })
    await h.grant(ids.boss!, { 'charges.read': 'OWNED' })
    await h.grant(ids.kid!, { 'charges.read': 'UNION' })
    // Two readable types at different levels, one without parties.
    await h.grant(ids.alice!, { 'charges.read': 'OWNED', 'notes.read': 'UNION' })
    await h.grant(ids.eve!, { 'charges.read': 'ALL' })
    const users = ['boss', 'alice', 'kid', 'bob', 'org', 'member', 'eve']
    for (let i = 0; i < 21; i++) {
      const owner = users[i % users.length]!
      const payee = users[(i * 3 + 1) % users.length]!
      const second = users[(i * 5 + 2) % users.length]!
      // Every kind: no party, one payee, two payees (a record reached twice by the party
      // branch), owner and payee both in reach, an organisation, a party not counted for read.
      if (i % 6 === 0) await charge(owner, {}, i % 4 === 0)
      else if (i % 6 === 1) await charge(owner, { payee: [payee] }, true)
      else if (i % 6 === 2) await charge(owner, { payee: [payee, second] })
      else if (i % 6 === 3) await charge(owner, { payee: [owner, payee] }, true)
      else if (i % 6 === 4) await charge(owner, { org: ['org'], payee: [payee] })
      else await charge(owner, { auditor: [payee] }, i % 2 === 0)
    }
    // Owned out of boss's reach, reached by one payee and by two.
    await charge('eve', { payee: ['bob'] })
    await charge('eve', { payee: ['alice', 'bob'] }, true)
    for (const owner of ['alice', 'kid', 'bob', 'eve']) {
      const note = await admin().records.create({ entityType: 'notes', ownerId: ids[owner]!, data: {} })
      created.push(note.id)
    }
  })
  afterAll(() => h.dispose())

  /** The records `name` may read by the one-filter check, newest first. */
  const readableByGet = async (name: string) => {
    const seen = []
    for (const id of created) {
      const record = await as(name)
        .records.get({ id })
        .catch((error: { code?: string }) => {
          if (error.code !== 'NOT_FOUND') throw error
          return undefined
        })
      if (record) seen.push(record)
    }
    return seen.sort((a, b) =>
      a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
    )
  }

  it('pages exactly the readable records, each once, at every level and page size', async () => {
    let reachedByParty = 0
    for (const name of ['bob', 'member', 'boss', 'kid', 'alice', 'eve']) {
      const expected = await readableByGet(name)
      if (name === 'bob' || name === 'member')
        reachedByParty += expected.filter((record) => record.ownerId !== ids[name]).length
      for (const limit of [1, 2, 5]) {
        const walk = await walkPages((cursor) => as(name).records.list({ limit, cursor }))
        expect(
          walk.items.map((item) => item.id),
          `${name} limit ${limit}`,
        ).toEqual(expected.map((record) => record.id))
        expect(walk.sizes.slice(0, -1).every((size) => size === limit)).toBe(true)
      }
    }
    // Guards the data: SELF callers read records owned by others, through a party only.
    expect(reachedByParty).toBeGreaterThan(0)
  })

  it('keeps every filter and the total with parties', async () => {
    for (const name of ['boss', 'kid', 'alice', 'member']) {
      const expected = (await readableByGet(name)).filter((record) => record.status === 'paid')
      const walk = await walkPages((cursor) =>
        as(name).records.list({ entityType: 'charges', status: 'paid', limit: 2, cursor, withTotal: true }),
      )
      expect(
        walk.items.map((item) => item.id),
        name,
      ).toEqual(expected.map((record) => record.id))
      const first = await as(name).records.list({
        entityType: 'charges',
        status: 'paid',
        limit: 2,
        withTotal: true,
      })
      expect(first.total, name).toEqual({ count: expected.length, exact: true })
    }
    // subtreeOf and ownerId narrow the owner; a record reached as party stays out unless its owner is in.
    const all = await readableByGet('boss')
    const inAlice = await walkPages((cursor) =>
      as('boss').records.list({ entityType: 'charges', subtreeOf: ids.alice!, limit: 2, cursor }),
    )
    expect(inAlice.items.map((item) => item.id)).toEqual(
      all.filter((record) => [ids.alice, ids.kid].includes(record.ownerId)).map((record) => record.id),
    )
    const ofEve = await walkPages((cursor) =>
      as('boss').records.list({ entityType: 'charges', ownerId: ids.eve!, limit: 1, cursor }),
    )
    const expectedOfEve = all.filter((record) => record.ownerId === ids.eve).map((record) => record.id)
    expect(expectedOfEve.length).toBeGreaterThan(0)
    expect(ofEve.items.map((item) => item.id)).toEqual(expectedOfEve)
    // The created range, from the middle of the list.
    const middle = all[Math.floor(all.length / 2)]!
    const after = await walkPages((cursor) =>
      as('boss').records.list({ entityType: 'charges', createdAfter: middle.createdAt, limit: 2, cursor }),
    )
    expect(after.items.map((item) => item.id)).toEqual(
      all.filter((record) => record.createdAt >= middle.createdAt).map((record) => record.id),
    )
  })
})
