import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { failure } from '../testing/call-failure.js'

// Decision (docs/decisions.md, "Emails"): an email is unique across the whole tree, so creating one
// that exists must fail, wherever its holder is. The answer is CONFLICT, the same whether
// the holder is within the caller's level or not, and it tells nothing but "taken".
describe('users.create with an email that exists', () => {
  let h: ApiHarness
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    h = await createApiHarness()
    ids.manager = await h.addUser('manager@example.com', h.adminId)
    ids.report = await h.addUser('report@example.com', ids.manager)
    ids.stranger = await h.addUser('stranger@example.com', null)
    await h.grant(ids.manager!, { 'users.create': 'OWNED', 'users.read': 'OWNED' })
  })
  afterAll(() => h.dispose())

  const createAs = async (email: string) => {
    const error = await failure(h.callAs(ids.manager!).users.create({ email, parentId: ids.manager! }))
    return { code: error.code, message: error.message }
  }

  it('answers CONFLICT alike for a holder outside the level and one inside it, case-insensitively', async () => {
    const inside = await createAs('Report@Example.com')
    const outside = await createAs('STRANGER@example.com')
    expect(inside).toEqual({ code: 'CONFLICT', message: 'A user with this email already exists' })
    expect(outside).toEqual(inside)
    expect(JSON.stringify(outside)).not.toContain(ids.stranger!)
  })

  it('creates nothing and leaves the holder as it was', async () => {
    const users = await h.database.db
      .selectFrom('users')
      .select(['id', 'parent_id'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', 'stranger@example.com'))
      .execute()
    expect(users).toEqual([{ id: ids.stranger, parent_id: null }])
  })
})
