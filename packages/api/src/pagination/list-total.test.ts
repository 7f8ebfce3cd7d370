import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { entityTypeIdOf } from '../testing/entity-type-id.js'
import { walkPages } from '../testing/walk-pages.js'
import { TOTAL_CAP } from './list-total.js'

describe('list totals (withTotal)', () => {
  let h: ApiHarness
  // admin ─┬─ lead ─┬─ ann
  //        │        └─ bob
  //        └─ other
  const ids: Record<string, string> = {}
  const admin = () => h.callAs(h.adminId)
  const lead = () => h.callAs(ids.lead!)

  beforeAll(async () => {
    h = await createApiHarness()
    ids.lead = await h.addUser('lead@example.com', h.adminId)
    ids.ann = await h.addUser('ann@example.com', ids.lead)
    ids.bob = await h.addUser('bob@example.com', ids.lead)
    ids.other = await h.addUser('other@example.com', h.adminId)
    await h.grant(ids.lead, { 'users.read': 'OWNED', 'audit.read': 'OWNED', 'notes.read': 'OWNED' })
    await admin().entityTypes.create({ name: 'notes', schema: {} })
    await admin().entityTypes.create({ name: 'bulk', schema: {} })
    for (const owner of ['lead', 'ann', 'bob', 'other', 'other'] as const) {
      await admin().records.create({ entityType: 'notes', ownerId: ids[owner]!, data: {} })
    }
    // An audit event owned by lead: its refused create (it may only read notes).
    await lead()
      .records.create({ entityType: 'notes', data: {} })
      .catch(() => undefined)
  })
  afterAll(() => h.dispose())

  it('users.list: the users across all pages under the filters, the same on every page', async () => {
    const first = await lead().users.list({ limit: 2, withTotal: true })
    expect(first.total).toEqual({ count: 3, exact: true })
    const second = await lead().users.list({ limit: 2, cursor: first.nextCursor!, withTotal: true })
    expect(second.items).toHaveLength(1)
    expect(second.total).toEqual({ count: 3, exact: true })
    expect((await lead().users.list({ search: 'ann', withTotal: true })).total).toEqual({
      count: 1,
      exact: true,
    })
    // Asked for nothing, the page carries no total (and costs no count).
    expect(await lead().users.list({ limit: 2 })).not.toHaveProperty('total')
  })

  it('records.list: counts what the level and the filters let through, nothing outside', async () => {
    const all = await walkPages((cursor) => lead().records.list({ limit: 2, cursor }))
    const page = await lead().records.list({ limit: 2, withTotal: true })
    expect(page.total).toEqual({ count: all.items.length, exact: true })
    expect(all.items.length).toBe(3)
    expect((await lead().records.list({ ownerId: ids.ann!, withTotal: true })).total).toEqual({
      count: 1,
      exact: true,
    })
    // A subtree root out of reach is an empty list, total included.
    expect(await lead().records.list({ subtreeOf: ids.other!, withTotal: true })).toEqual({
      items: [],
      nextCursor: null,
      total: { count: 0, exact: true },
    })
    expect((await admin().records.list({ entityType: 'notes', withTotal: true })).total).toEqual({
      count: 5,
      exact: true,
    })
  })

  it('audit.list: counts the events the level shows', async () => {
    const events = await walkPages((cursor) => lead().audit.list({ limit: 200, cursor }))
    const page = await lead().audit.list({ limit: 1, withTotal: true })
    expect(page.total).toEqual({ count: events.items.length, exact: true })
    expect(events.items.length).toBeGreaterThan(0)
    const everything = await walkPages((cursor) => admin().audit.list({ limit: 200, cursor }))
    expect((await admin().audit.list({ withTotal: true })).total?.count).toBe(everything.items.length)
  })

  it(`is exact up to ${TOTAL_CAP} items, then "at least ${TOTAL_CAP}"`, async () => {
    const typeId = await entityTypeIdOf(h.database.db, 'bulk')
    const insert = (count: number) =>
      h.database.db
        .insertInto('records')
        .values(Array.from({ length: count }, () => ({ entity_type_id: typeId, owner_id: h.adminId })))
        .execute()
    const total = async () =>
      (await admin().records.list({ entityType: 'bulk', limit: 1, withTotal: true })).total
    await insert(TOTAL_CAP)
    expect(await total()).toEqual({ count: TOTAL_CAP, exact: true })
    await insert(1)
    expect(await total()).toEqual({ count: TOTAL_CAP, exact: false })
  })
})
