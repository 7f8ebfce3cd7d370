import { randomUUID } from 'node:crypto'
import { insertUser } from '@trellis/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure, formatted } from '../testing/call-failure.js'
import { race } from '../testing/race.js'
import { walkPages } from '../testing/walk-pages.js'

// Records with parties: users a record involves besides its owner. A leveled permission
// reaches a record when its owner or any party counted for that action is within the
// level; anything else stays NOT_FOUND.
describe('record parties', () => {
  let h: ApiHarness
  // admin ─┬ boss ─┬ alice ── kid
  //        │       └ bob
  //        ├ carol, dave (merchants)
  //        ├ org ── member (an organisation and its member user)
  //        └ eve
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)
  const as = (name: string) => h.callAs(ids[name]!)
  const shops: Record<string, string> = {}

  /** A charge owned by `owner` at `shop`, with direct parties. */
  const charge = (owner: string, shop: string, parties: Record<string, string[]> = {}) =>
    admin().records.create({
      entityType: 'charges',
      ownerId: ids[owner]!,
      data: { shopId: shops[shop]! },
      parties,
    })

  const readable = async (name: string, id: string) => (await race(as(name).records.get({ id })))[0] === 'ok'

  beforeAll(async () => {
    h = await createApiHarness()
    ids.boss = await h.addUser('boss@example.com', h.adminId)
    ids.alice = await h.addUser('alice@example.com', ids.boss)
    ids.kid = await h.addUser('kid@example.com', ids.alice)
    ids.bob = await h.addUser('bob@example.com', ids.boss)
    ids.carol = await h.addUser('carol@example.com', h.adminId)
    ids.dave = await h.addUser('dave@example.com', h.adminId)
    ids.org = await h.addUser('org@example.com', h.adminId)
    ids.member = await h.addUser('member@example.com', ids.org)
    ids.eve = await h.addUser('eve@example.com', h.adminId)
    await admin().entityTypes.create({ name: 'shops', schema: { type: 'object' } })
    await admin().entityTypes.create({
      name: 'charges',
      schema: { type: 'object', properties: { shopId: { type: 'string' } } },
      references: { shopId: 'shops' },
      stateMachine: { initial: 'new', transitions: { execute: { from: ['new'], to: 'executed' } } },
      parties: {
        merchant: { from: { reference: 'shopId' }, actions: ['read', 'execute'] },
        payee: { from: 'users' },
        org: { from: 'users', reaches: 'members' },
        auditor: { from: 'users', actions: ['update'] },
      },
    })
    for (const merchant of ['carol', 'dave']) {
      shops[merchant] = (
        await admin().records.create({ entityType: 'shops', ownerId: ids[merchant]!, data: {} })
      ).id
    }
    for (const name of ['carol', 'dave', 'bob', 'member', 'org', 'eve']) {
      await h.grant(ids[name]!, { 'charges.read': 'SELF', 'charges.execute': 'SELF' })
    }
    await h.grant(ids.boss!, { 'charges.read': 'OWNED' })
    await h.grant(ids.kid!, { 'charges.read': 'UNION' })
    // alice owns charges, manages their parties and names users of her parent's subtree.
    await h.grant(ids.alice!, {
      'charges.read': 'SELF',
      'charges.create': 'SELF',
      'charges.update': 'SELF',
      'charges.manageParties': 'SELF',
      'shops.read': 'ALL',
      'users.read': 'UNION',
    })
  })
  afterAll(() => h.dispose())

  it('shows the parties on the type and declares manageParties for it', async () => {
    const type = await admin().entityTypes.get({ name: 'charges' })
    expect(Object.keys(type.parties ?? {}).sort()).toEqual(['auditor', 'merchant', 'org', 'payee'])
    expect(type.permissions).toContain('charges.manageParties')
  })

  it('keeps the owner of the referenced shop as the merchant, and lets it read and execute the charge', async () => {
    const created = await charge('eve', 'carol')
    expect(created.parties).toEqual({ merchant: [ids.carol] })
    expect((await as('carol').records.get({ id: created.id })).parties).toEqual({ merchant: [ids.carol] })
    const executed = await as('carol').records.transition({ id: created.id, name: 'execute' })
    expect(executed.status).toBe('executed')
    // Another merchant: nothing to see, nothing to execute.
    expect((await failure(as('dave').records.get({ id: created.id }))).code).toBe('NOT_FOUND')
  })

  it('counts a party only for its actions: a payee reads the charge but may not execute it', async () => {
    const created = await charge('eve', 'dave', { payee: [ids.bob!] })
    expect(await readable('bob', created.id)).toBe(true)
    const refused = await failure(as('bob').records.transition({ id: created.id, name: 'execute' }))
    expect(refused.code).toBe('FORBIDDEN')
    // A party counted for update alone does not make the record readable.
    const audited = await charge('eve', 'dave', { auditor: [ids.bob!] })
    expect((await failure(as('bob').records.get({ id: audited.id }))).code).toBe('NOT_FOUND')
  })

  it('reaches a record through a party at SELF, OWNED, UNION and ALL, and not outside', async () => {
    const toBob = await charge('eve', 'dave', { payee: [ids.bob!] })
    const toNobody = await charge('eve', 'dave')
    // SELF: bob is the payee. OWNED: boss's subtree holds bob. UNION: kid's parent alice's
    // subtree does not hold bob, so kid sees nothing; ALL: the admin sees everything.
    expect(await readable('bob', toBob.id)).toBe(true)
    expect(await readable('boss', toBob.id)).toBe(true)
    expect(await readable('kid', toBob.id)).toBe(false)
    expect((await admin().records.get({ id: toBob.id })).id).toBe(toBob.id)
    for (const name of ['bob', 'boss', 'kid', 'carol']) expect(await readable(name, toNobody.id)).toBe(false)
    const toKid = await charge('eve', 'dave', { payee: [ids.kid!] })
    expect(await readable('kid', toKid.id)).toBe(true)
    expect(await readable('boss', toKid.id)).toBe(true)
    expect(await readable('bob', toKid.id)).toBe(false)
  })

  it('lets the members of an organisation party read, and nobody else', async () => {
    const created = await charge('eve', 'dave', { org: [ids.org!] })
    expect(await readable('org', created.id)).toBe(true)
    expect(await readable('member', created.id)).toBe(true)
    expect(await readable('bob', created.id)).toBe(false)
    // A member named directly is no way up to its organisation.
    const toMember = await charge('eve', 'dave', { org: [ids.member!] })
    expect(await readable('member', toMember.id)).toBe(true)
    expect(await readable('org', toMember.id)).toBe(false)
  })

  it('lists exactly the records a party reaches, over every page', async () => {
    const mine = [
      (await charge('eve', 'carol')).id,
      (await charge('eve', 'dave', { payee: [ids.carol!] })).id,
      (await charge('carol', 'dave')).id,
    ]
    await charge('eve', 'dave')
    const walk = await walkPages((cursor) =>
      as('carol').records.list({ entityType: 'charges', limit: 2, cursor }),
    )
    const seen = walk.items.map((item) => item.id)
    expect(seen).toEqual(expect.arrayContaining(mine))
    // Every charge carol sees names her as owner, merchant or payee.
    for (const item of walk.items) {
      const involved = [item.ownerId, ...Object.values(item.parties).flat()]
      expect(involved, item.id).toContain(ids.carol)
    }
    expect(new Set(seen).size).toBe(seen.length)
  })

  it('moves the merchant with the shop reference', async () => {
    const created = await as('alice').records.create({
      entityType: 'charges',
      data: { shopId: shops.carol! },
    })
    const moved = await as('alice').records.update({ id: created.id, data: { shopId: shops.dave! } })
    expect(moved.parties).toEqual({ merchant: [ids.dave] })
    expect(await readable('dave', created.id)).toBe(true)
    expect(await readable('carol', created.id)).toBe(false)
    const cleared = await as('alice').records.update({ id: created.id, data: {} })
    expect(cleared.parties).toEqual({})
  })

  it('adds and removes a party with manageParties, audited under the type’s permission', async () => {
    const created = await as('alice').records.create({
      entityType: 'charges',
      data: { shopId: shops.carol! },
    })
    const added = await as('alice').records.addParty({ id: created.id, party: 'payee', userId: ids.bob! })
    expect(added.parties).toEqual({ merchant: [ids.carol], payee: [ids.bob] })
    expect(await readable('bob', created.id)).toBe(true)
    const removed = await as('alice').records.removeParty({
      id: created.id,
      party: 'payee',
      userId: ids.bob!,
    })
    expect(removed.parties).toEqual({ merchant: [ids.carol] })
    expect(await readable('bob', created.id)).toBe(false)
    const events = await h.database.db
      .selectFrom('audit_events')
      .select(['procedure', 'permission', 'outcome'])
      .where('actor_id', '=', ids.alice!)
      .where('procedure', 'in', ['records.addParty', 'records.removeParty'])
      .execute()
    expect(events).toEqual(
      expect.arrayContaining([
        { procedure: 'records.addParty', permission: 'charges.manageParties', outcome: 'allowed' },
        { procedure: 'records.removeParty', permission: 'charges.manageParties', outcome: 'allowed' },
      ]),
    )
  })

  it('refuses managing parties without the permission, and out of level as NOT_FOUND', async () => {
    const created = await charge('eve', 'carol', { payee: [ids.bob!] })
    // bob reads it (payee) but may not manage it; alice cannot see it at all.
    const forbidden = await failure(
      as('bob').records.addParty({ id: created.id, party: 'payee', userId: ids.bob! }),
    )
    expect(forbidden.code).toBe('FORBIDDEN')
    const hidden = await failure(
      as('alice').records.addParty({ id: created.id, party: 'payee', userId: ids.bob! }),
    )
    expect(hidden.code).toBe('NOT_FOUND')
    expect((await admin().records.get({ id: created.id })).parties).toEqual({
      merchant: [ids.carol],
      payee: [ids.bob],
    })
  })

  it('answers typed BAD_REQUEST for an unknown party, a derived one and too many, changing nothing', async () => {
    const created = await as('alice').records.create({ entityType: 'charges', data: {} })
    const unknown = await failure(
      as('alice').records.addParty({ id: created.id, party: 'ghost', userId: ids.bob! }),
    )
    expect(unknown.code).toBe('BAD_REQUEST')
    expect(formatted(unknown).inputIssues).toEqual([
      { code: 'unknown_party', path: ['party'], message: 'charges records have no party ghost' },
    ])
    const derived = await failure(
      as('alice').records.addParty({ id: created.id, party: 'merchant', userId: ids.carol! }),
    )
    expect(formatted(derived).inputIssues?.[0]).toMatchObject({ code: 'derived_party', path: ['party'] })
    const onCreate = await failure(
      as('alice').records.create({ entityType: 'charges', data: {}, parties: { merchant: [ids.bob!] } }),
    )
    expect(formatted(onCreate).inputIssues?.[0]).toMatchObject({
      code: 'derived_party',
      path: ['parties', 'merchant'],
    })
    const tooMany = await failure(
      as('alice').records.create({
        entityType: 'charges',
        data: {},
        parties: {
          payee: Array.from({ length: 60 }, () => randomUUID()),
          org: Array.from({ length: 60 }, () => randomUUID()),
        },
      }),
    )
    expect(tooMany.code).toBe('BAD_REQUEST')
    expect(formatted(tooMany).inputIssues?.[0]).toMatchObject({ code: 'too_big', path: ['parties'] })
    const protoKey = await failure(
      as('alice').records.create({
        entityType: 'charges',
        data: {},
        parties: JSON.parse('{"__proto__": []}'),
      }),
    )
    expect(protoKey.code).toBe('BAD_REQUEST')
    expect((await as('alice').records.get({ id: created.id })).parties).toEqual({})
  })

  it('refuses the 101st party of a record and accepts a user it already has', async () => {
    const created = await charge('alice', 'carol')
    const userIds = await h.database.db.transaction().execute(async (trx) => {
      const made: string[] = []
      for (let i = 0; i < 99; i++) {
        made.push(
          (
            await insertUser(trx, {
              email: `crowd${i}@example.com`,
              kind: 'person',
              status: 'active',
              parent_id: ids.boss!,
            })
          ).id,
        )
      }
      return made
    })
    await h.database.db
      .insertInto('record_parties')
      .values(userIds.map((user_id) => ({ record_id: created.id, party: 'payee', user_id })))
      .execute()
    // The merchant and 99 payees make 100: bob would be the 101st.
    const refused = await failure(
      as('alice').records.addParty({ id: created.id, party: 'payee', userId: ids.bob! }),
    )
    expect(formatted(refused).inputIssues?.[0]).toMatchObject({ code: 'too_big', path: ['userId'] })
    const again = await as('alice').records.addParty({ id: created.id, party: 'payee', userId: userIds[0]! })
    expect(again.parties.payee).toHaveLength(99)
  })

  it('answers NOT_FOUND for a party user the writer cannot read, like elsewhere, and stores nothing', async () => {
    const created = await as('alice').records.create({ entityType: 'charges', data: {} })
    for (const userId of [ids.eve!, randomUUID()]) {
      const error = await failure(as('alice').records.addParty({ id: created.id, party: 'payee', userId }))
      expect(error.code).toBe('NOT_FOUND')
      expect(error.message).toBe('User not found')
    }
    const onCreate = await failure(
      as('alice').records.create({ entityType: 'charges', data: {}, parties: { payee: [ids.eve!] } }),
    )
    expect(onCreate.code).toBe('NOT_FOUND')
    expect((await as('alice').records.get({ id: created.id })).parties).toEqual({})
  })

  it('stores a party added twice at once once', async () => {
    const created = await as('alice').records.create({ entityType: 'charges', data: {} })
    const add = () => as('alice').records.addParty({ id: created.id, party: 'payee', userId: ids.bob! })
    expect(await race(add(), add())).toEqual(['ok', 'ok'])
    expect((await as('alice').records.get({ id: created.id })).parties).toEqual({ payee: [ids.bob] })
  })

  it('races a removal against the record’s deletion: one order or the other, never a 500', async () => {
    await h.grant(ids.alice!, { 'charges.delete': 'SELF' })
    const created = await as('alice').records.create({
      entityType: 'charges',
      data: {},
      parties: { payee: [ids.bob!] },
    })
    const outcomes = await race(
      as('alice').records.removeParty({ id: created.id, party: 'payee', userId: ids.bob! }),
      as('alice').records.delete({ id: created.id }),
    )
    expect([
      ['ok', 'ok'],
      ['NOT_FOUND: Record not found', 'ok'],
    ]).toContainEqual(outcomes)
    const rows = await h.database.db
      .selectFrom('record_parties')
      .select('user_id')
      .where('record_id', '=', created.id)
      .execute()
    expect(rows).toEqual([])
  })

  it('drops a deleted user’s party rows and keeps the record', async () => {
    const gone = await h.addUser('gone@example.com', ids.boss!)
    const created = await as('alice').records.create({
      entityType: 'charges',
      data: {},
      parties: { payee: [gone] },
    })
    await admin().users.delete({ id: gone })
    expect((await as('alice').records.get({ id: created.id })).parties).toEqual({})
  })

  it('refuses a type whose parties name a field that is not a reference, or an action it lacks', async () => {
    const error = await failure(
      admin().entityTypes.create({
        name: 'tickets',
        schema: { type: 'object' },
        parties: { seller: { from: { reference: 'eventId' }, actions: ['fly'] } },
      }),
    )
    expect(error.code).toBe('BAD_REQUEST')
    expect(error.message).toContain('"eventId" is not a field listed in references')
    expect(error.message).toContain('"fly" is not an action of the type')
    expect((await failure(admin().entityTypes.get({ name: 'tickets' }))).code).toBe('NOT_FOUND')
  })

  it('drops the rows and the manageParties grants of parties a type stops declaring', async () => {
    await admin().entityTypes.create({
      name: 'notes',
      schema: { type: 'object' },
      parties: { readers: { from: 'users' } },
    })
    await h.grant(ids.eve!, { 'notes.read': 'SELF', 'notes.manageParties': 'SELF' })
    const note = await admin().records.create({
      entityType: 'notes',
      data: {},
      parties: { readers: [ids.bob!] },
    })
    await h.grant(ids.bob!, { 'notes.read': 'SELF' })
    expect(await readable('bob', note.id)).toBe(true)
    const updated = await admin().entityTypes.update({ name: 'notes', parties: null })
    expect(updated.permissions).not.toContain('notes.manageParties')
    expect(await readable('bob', note.id)).toBe(false)
    const rows = await h.database.db
      .selectFrom('record_parties')
      .select('user_id')
      .where('record_id', '=', note.id)
      .execute()
    expect(rows).toEqual([])
    const grants = await h.database.db
      .selectFrom('role_grants')
      .select('permission')
      .where('permission', '=', 'notes.manageParties')
      .execute()
    expect(grants).toEqual([])
  })
})
