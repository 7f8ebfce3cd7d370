import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiHarness, createApiHarness } from '../testing/api-harness.js'
import { race } from '../testing/race.js'

const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' }

describe('logins racing for one account', () => {
  let h: ApiHarness
  beforeAll(async () => {
    h = await createApiHarness()
  })
  afterAll(() => h.dispose())

  // Regression: each success deletes the account's failures, the others' reservations
  // among them; two such deletes in opposite orders deadlocked on PostgreSQL (a 500).
  it('all succeed, round after round (fewer at once than the account may fail)', async () => {
    for (let round = 0; round < 6; round++) {
      const outcomes = await race(...Array.from({ length: 4 }, () => h.callAs(null).auth.login(ADMIN)))
      expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok'])
    }
  })
})
