import { randomUUID } from 'node:crypto'
import { broadestLevel, type Level, type ParentMap, subtreeOf, visibleOwners } from '@trellis/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'

const TYPES = ['cars', 'boats', 'planes'] as const
type TypeName = (typeof TYPES)[number]
const CAR_STATES = ['parked', 'moving', 'towed'] as const

/** A small deterministic generator (mulberry32): the same records and cases on every run. */
function seededRandom(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  }
}

interface StoredRecord {
  id: string
  type: TypeName
  ownerId: string
  status: string | null
  createdAt: Date
}

interface Filters {
  entityType?: TypeName
  ownerId?: string
  subtreeOf?: string
  status?: string
  createdAfter?: string
  createdBefore?: string
}

const BASE = Date.parse('2024-03-01T12:00:00.000Z')

describe('records.list', () => {
  let h: ApiHarness
  // admin ── issuer ─┬─ devA ─┬─ m1 ─┬─ c1
  //                  │        │      └─ c2
  //                  │        └─ m2
  //                  └─ devB ── m3
  // admin ── auditor; loner (a second root)
  const ids: Record<string, string> = {}
  let tree: ParentMap
  let records: StoredRecord[] = []
  /** What each caller reads, per type: mirrors the grants given in beforeAll. */
  const levels: Record<string, Partial<Record<TypeName, Level>>> = {}
  const timestamps: Date[] = []

  beforeAll(async () => {
    h = await createApiHarness()
    ids.admin = h.adminId
    const parents: [string, string | null][] = [
      ['issuer', 'admin'],
      ['devA', 'issuer'],
      ['devB', 'issuer'],
      ['m1', 'devA'],
      ['m2', 'devA'],
      ['m3', 'devB'],
      ['c1', 'm1'],
      ['c2', 'm1'],
      ['auditor', 'admin'],
      ['loner', null],
    ]
    for (const [name, parent] of parents) {
      ids[name] = await h.addUser(`${name}@example.com`, parent === null ? null : ids[parent]!)
    }
    const users = await h.database.db.selectFrom('users').select(['id', 'parent_id']).execute()
    tree = new Map(users.map((user) => [user.id, user.parent_id]))

    const admin = h.callAs(h.adminId)
    await admin.entityTypes.create({
      name: 'cars',
      schema: {},
      stateMachine: {
        initial: 'parked',
        transitions: {
          drive: { from: ['parked'], to: 'moving' },
          tow: { from: ['parked', 'moving'], to: 'towed' },
        },
      },
    })
    await admin.entityTypes.create({ name: 'boats', schema: {} })
    await admin.entityTypes.create({ name: 'planes', schema: {} })

    // Generic and per-type grants combine to the broadest, per type.
    await h.grant(ids.issuer!, { 'records.read': 'OWNED' })
    await h.grant(ids.devA!, { 'cars.read': 'UNION', 'boats.read': 'SELF' })
    await h.grant(ids.m1!, { 'cars.read': 'OWNED', 'records.read': 'SELF' })
    await h.grant(ids.loner!, { 'records.read': 'UNION' })
    await admin.roles.create({ name: 'boat-auditor', grants: { 'records.read': 'ALL' } })
    await admin.users.assignRole({ id: ids.auditor!, role: 'boat-auditor', scope: 'entityType:boats' })
    levels[ids.admin] = { cars: 'ALL', boats: 'ALL', planes: 'ALL' }
    levels[ids.issuer!] = { cars: 'OWNED', boats: 'OWNED', planes: 'OWNED' }
    levels[ids.devA!] = { cars: 'UNION', boats: 'SELF' }
    levels[ids.m1!] = { cars: 'OWNED', boats: 'SELF', planes: 'SELF' }
    levels[ids.loner!] = { cars: 'UNION', boats: 'UNION', planes: 'UNION' }
    levels[ids.auditor!] = { boats: 'ALL' }

    // Records written straight to the table, so their times are known: twelve instants,
    // several records on each (ties are broken by id), a few half a second apart.
    const random = seededRandom(20240301)
    const owners = [...tree.keys()]
    for (let k = 0; k < 12; k++) timestamps.push(new Date(BASE + k * 1000 + (k % 4 === 3 ? 500 : 0)))
    const rows = Array.from({ length: 84 }, (_, i) => {
      const type = TYPES[i % TYPES.length]!
      return {
        type,
        ownerId: random.pick(owners),
        status: type === 'cars' ? random.pick(CAR_STATES) : null,
        createdAt: random.pick(timestamps),
      }
    })
    const typeIds = new Map(
      (await h.database.db.selectFrom('entity_types').select(['id', 'name']).execute()).map((row) => [
        row.name,
        row.id,
      ]),
    )
    const inserted = await h.database.db
      .insertInto('records')
      .values(
        rows.map((row) => ({
          entity_type_id: typeIds.get(row.type)!,
          owner_id: row.ownerId,
          status: row.status,
          data: JSON.stringify({}),
          created_at: row.createdAt,
        })),
      )
      .returning('id')
      .execute()
    records = rows.map((row, i) => ({ ...row, id: inserted[i]!.id }))
  })
  afterAll(() => h.dispose())

  /** The records `callerId` should get for `filters`, in list order: computed the plain way. */
  function expected(callerId: string, filters: Filters): string[] {
    const subtree = filters.subtreeOf === undefined ? undefined : subtreeOf(tree, filters.subtreeOf)
    // A subtree root the caller does not reach at its broadest read level gives nothing.
    const readLevels = Object.entries(levels[callerId] ?? {})
      .filter(([type]) => !filters.entityType || type === filters.entityType)
      .map(([, level]) => level)
    const broadest = broadestLevel(readLevels)
    if (
      filters.subtreeOf !== undefined &&
      (!broadest || !visibleOwners(tree, callerId, broadest).has(filters.subtreeOf))
    )
      return []
    const after = filters.createdAfter ? Date.parse(filters.createdAfter) : -Infinity
    const before = filters.createdBefore ? Date.parse(filters.createdBefore) : Infinity
    return records
      .filter((record) => {
        const level = levels[callerId]?.[record.type]
        if (!level || !visibleOwners(tree, callerId, level).has(record.ownerId)) return false
        if (filters.entityType && record.type !== filters.entityType) return false
        if (filters.ownerId && record.ownerId !== filters.ownerId) return false
        if (subtree && !subtree.has(record.ownerId)) return false
        if (filters.status && record.status !== filters.status) return false
        const time = record.createdAt.getTime()
        return time >= after && time < before
      })
      .sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      )
      .map((record) => record.id)
  }

  /** Every page of a list, followed to the end; fails on a page that breaks the page size. */
  async function listAll(callerId: string, filters: Filters, limit: number) {
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await h.callAs(callerId).records.list({ ...filters, limit, cursor })
      expect(page.items.length).toBeLessThanOrEqual(limit)
      if (page.nextCursor) expect(page.items).toHaveLength(limit)
      seen.push(...page.items.map((item) => item.id))
      cursor = page.nextCursor ?? undefined
      pages++
    } while (cursor && pages < 100)
    return { ids: seen, pages }
  }

  const typesOf = (items: { entityType: string }[]) => new Set(items.map((item) => item.entityType))

  describe('what a caller reads', () => {
    it('without entityType, lists every type it may read, each at its own level', async () => {
      const page = await h.callAs(ids.devA!).records.list({ limit: 200 })
      expect(page.items.map((item) => item.id)).toEqual(expected(ids.devA!, {}))
      expect(typesOf(page.items)).toEqual(new Set(['cars', 'boats']))
      const boatOwners = new Set(
        page.items.filter((item) => item.entityType === 'boats').map((i) => i.ownerId),
      )
      expect([...boatOwners]).toEqual([ids.devA])
    })

    it('with entityType, lists that type only, at its level', async () => {
      const page = await h.callAs(ids.m1!).records.list({ entityType: 'boats', limit: 200 })
      expect(page.items.map((item) => item.id)).toEqual(expected(ids.m1!, { entityType: 'boats' }))
      expect(page.items.every((item) => item.ownerId === ids.m1)).toBe(true)
    })

    it('reads UNION as OWNED for a root', async () => {
      const page = await h.callAs(ids.loner!).records.list({ limit: 200 })
      const ownedByLoner = records.filter((record) => record.ownerId === ids.loner).map((record) => record.id)
      expect(page.items.map((item) => item.id).sort()).toEqual(ownedByLoner.sort())
    })

    it('applies a binding scoped to a type to that type only', async () => {
      const page = await h.callAs(ids.auditor!).records.list({ limit: 200 })
      expect(page.items).toHaveLength(records.filter((record) => record.type === 'boats').length)
      expect(typesOf(page.items)).toEqual(new Set(['boats']))
      const cars = await failure(h.callAs(ids.auditor!).records.list({ entityType: 'cars' }))
      expect([cars.code, cars.message]).toEqual(['FORBIDDEN', 'Permission required: cars.read'])
    })

    it('is FORBIDDEN to a caller that reads no type, naming records.read', async () => {
      const any = await failure(h.callAs(ids.c1!).records.list({}))
      expect([any.code, any.message]).toEqual(['FORBIDDEN', 'Permission required: records.read'])
      const planes = await failure(h.callAs(ids.devA!).records.list({ entityType: 'planes' }))
      expect(planes.message).toBe('Permission required: planes.read')
      expect((await failure(h.callAs(null).records.list({}))).code).toBe('UNAUTHORIZED')
    })

    it('answers NOT_FOUND for an unknown entity type', async () => {
      const error = await failure(h.callAs(ids.issuer!).records.list({ entityType: 'rockets' }))
      expect([error.code, error.message]).toEqual(['NOT_FOUND', 'Entity type not found: rockets'])
    })
  })

  describe('filters', () => {
    it('by owner: only within the level; an owner outside it gives nothing', async () => {
      const mine = await h.callAs(ids.issuer!).records.list({ ownerId: ids.m1!, limit: 200 })
      expect(mine.items.map((item) => item.id)).toEqual(expected(ids.issuer!, { ownerId: ids.m1! }))
      expect(mine.items.length).toBeGreaterThan(0)
      const outside = await h.callAs(ids.m1!).records.list({ ownerId: ids.m3! })
      expect(outside).toEqual({ items: [], nextCursor: null })
    })

    it('by subtree, including its root; an unknown root gives an empty page', async () => {
      const page = await h.callAs(ids.admin!).records.list({ subtreeOf: ids.devA!, limit: 200 })
      const owners = subtreeOf(tree, ids.devA!)
      expect(page.items.every((item) => owners.has(item.ownerId))).toBe(true)
      expect(page.items.map((item) => item.id)).toEqual(expected(ids.admin!, { subtreeOf: ids.devA! }))
      expect(page.items.some((item) => item.ownerId === ids.devA)).toBe(true)
      const unknown = await h.callAs(ids.admin!).records.list({ subtreeOf: randomUUID() })
      expect(unknown).toEqual({ items: [], nextCursor: null })
    })

    it('by subtree: a root outside the caller reach gives an empty page, though records below it are visible', async () => {
      // devA reads cars at UNION (issuer's subtree); admin is above that reach.
      const below = await h.callAs(ids.devA!).records.list({ entityType: 'cars', subtreeOf: ids.issuer! })
      expect(below.items.length).toBeGreaterThan(0)
      const above = await h.callAs(ids.devA!).records.list({ entityType: 'cars', subtreeOf: ids.admin! })
      expect(above).toEqual({ items: [], nextCursor: null })
      expect(expected(ids.devA!, { entityType: 'cars', subtreeOf: ids.admin! })).toEqual([])
    })

    it('by status', async () => {
      const moving = await h.callAs(ids.admin!).records.list({ status: 'moving', limit: 200 })
      expect(moving.items.length).toBeGreaterThan(0)
      expect(moving.items.every((item) => item.status === 'moving' && item.entityType === 'cars')).toBe(true)
      expect(moving.items.map((item) => item.id)).toEqual(expected(ids.admin!, { status: 'moving' }))
    })

    it('by creation time: createdAfter includes its instant, createdBefore excludes it', async () => {
      const instant = timestamps[5]!
      const atInstant = records.filter((record) => record.createdAt.getTime() === instant.getTime())
      expect(atInstant.length).toBeGreaterThan(0)
      const from = await h
        .callAs(ids.admin!)
        .records.list({ createdAfter: instant.toISOString(), limit: 200 })
      const until = await h
        .callAs(ids.admin!)
        .records.list({ createdBefore: instant.toISOString(), limit: 200 })
      const fromIds = new Set(from.items.map((item) => item.id))
      const untilIds = new Set(until.items.map((item) => item.id))
      for (const record of atInstant) {
        expect(fromIds.has(record.id)).toBe(true)
        expect(untilIds.has(record.id)).toBe(false)
      }
      // Together the two halves are everything, once.
      expect(fromIds.size + untilIds.size).toBe(records.length)
      // An offset other than Z means the same instant.
      const shifted = new Date(instant.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00')
      const same = await h.callAs(ids.admin!).records.list({ createdAfter: shifted, limit: 200 })
      expect(same.items.map((item) => item.id)).toEqual(from.items.map((item) => item.id))
    })

    it('refuses an empty time range, a malformed time and a bad page size', async () => {
      const instant = timestamps[3]!.toISOString()
      const range = await failure(
        h.callAs(ids.admin!).records.list({ createdAfter: instant, createdBefore: instant }),
      )
      expect(range.code).toBe('BAD_REQUEST')
      expect(range.message).toMatch(/createdAfter must be before createdBefore/)
      expect((await failure(h.callAs(ids.admin!).records.list({ createdAfter: 'yesterday' }))).code).toBe(
        'BAD_REQUEST',
      )
      for (const limit of [0, 201]) {
        expect((await failure(h.callAs(ids.admin!).records.list({ limit }))).code).toBe('BAD_REQUEST')
      }
    })
  })

  describe('pagination', () => {
    it('pages through everything once, newest first, ties broken by id', async () => {
      const all = await listAll(ids.admin!, {}, 10)
      expect(all.pages).toBe(Math.ceil(records.length / 10))
      expect(all.ids).toEqual(expected(ids.admin!, {}))
      expect(new Set(all.ids).size).toBe(records.length)
    })

    it('keeps the filters and the level on every page', async () => {
      const filters: Filters = { entityType: 'cars', subtreeOf: ids.issuer! }
      const all = await listAll(ids.devA!, filters, 3)
      expect(all.ids).toEqual(expected(ids.devA!, filters))
      expect(all.pages).toBeGreaterThan(1)
    })

    it('refuses a cursor it did not issue with BAD_REQUEST', async () => {
      const forged = [
        'not-a-cursor',
        Buffer.from('{"t":"yesterday","id":"x"}').toString('base64url'),
        Buffer.from(JSON.stringify({ t: new Date().toISOString() })).toString('base64url'),
      ]
      for (const cursor of forged) {
        const error = await failure(h.callAs(ids.admin!).records.list({ cursor }))
        expect([error.code, error.message]).toEqual([
          'BAD_REQUEST',
          'Invalid cursor: pass back a nextCursor from a previous page',
        ])
      }
    })
  })

  // Random filter combinations for random callers, each followed to the last page, against
  // the plain in-memory answer. Seeded: a failure names its case and reproduces.
  it('agrees with the in-memory answer for any caller, filters and page size', async () => {
    const random = seededRandom(7)
    const callers = [ids.admin!, ids.issuer!, ids.devA!, ids.m1!, ids.loner!, ids.auditor!]
    const users = [...tree.keys()]
    const instants = [...timestamps, new Date(BASE - 1000), new Date(BASE + 60_000)]
    for (let round = 0; round < 150; round++) {
      const callerId = random.pick(callers)
      const readable = Object.keys(levels[callerId]!) as TypeName[]
      const filters: Filters = {}
      if (random.chance(0.4)) filters.entityType = random.pick(readable)
      if (random.chance(0.2)) filters.ownerId = random.pick(users)
      if (random.chance(0.3)) filters.subtreeOf = random.pick(users)
      if (random.chance(0.25)) filters.status = random.pick(CAR_STATES)
      const [a, b] = [random.pick(instants), random.pick(instants)].sort((x, y) => x.getTime() - y.getTime())
      if (random.chance(0.3)) filters.createdAfter = a!.toISOString()
      if (random.chance(0.3) && (!filters.createdAfter || b!.getTime() > a!.getTime()))
        filters.createdBefore = b!.toISOString()
      const limit = 1 + random.int(25)
      const { ids: listed } = await listAll(callerId, filters, limit)
      expect({ round, callerId, filters, limit, listed }).toEqual({
        round,
        callerId,
        filters,
        limit,
        listed: expected(callerId, filters),
      })
    }
  })
})
