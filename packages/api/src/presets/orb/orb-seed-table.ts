import { randomUUID } from 'node:crypto'
import { type Cell, denialCode, errorCodeOf, type SeedClient, type SeedRow } from '../seed-table.js'
import { addAmounts } from './orb-amounts.js'

/**
 * The Orb DLT seed (seeds/orb-dlt-roles-and-permissions.txt) lists, per role, the
 * permissions of "a very basic coin economy". Each row here is one Trellis permission
 * line, with the seed's names for it. `public` is an anonymous caller; the seed: "All
 * permissions stated under the public role are accessible by all roles in the economy",
 * so the public lines are ✔ for every role.
 *
 * The issuer is the first administrator and holds every permission at ALL (the preset's
 * header): it hands out the consumer and merchant roles, and docs/model.md §3's no-escalation
 * rule, which wins over the seed, says it may only hand out what it holds. Rows where the
 * seed's issuer list lacks the line say so in `note`.
 */
export type OrbRole = 'public' | 'consumer' | 'merchant' | 'issuer'

/** A person's sign-in, as the world knows it. */
export interface OrbAccount {
  readonly id: string
  readonly email: string
  readonly password: string
}

/**
 * The users, shops and helpers the rows act on. The cast's merchant has two consumers
 * (one is the cast's consumer); another merchant has its own two. Each helper makes a
 * fresh target through the issuer, so rows and roles never depend on one another.
 */
export interface OrbWorld {
  readonly ids: {
    readonly issuer: string
    /** The cast's merchant. */
    readonly merchant: string
    /** A consumer under the cast's merchant that is not the cast's consumer. */
    readonly otherConsumer: string
  }
  /** The cast merchant's shop, owned by it. */
  readonly merchantShop: string
  /** The other merchant's shop. */
  readonly otherShop: string
  /** Who a client is signed in as; undefined for the anonymous client. */
  account(client: SeedClient): OrbAccount | undefined
  /** A person with no role beyond `public`, for the anonymous client to sign in as. */
  readonly spare: OrbAccount
  /**
   * A fresh charge owned by the cast's consumer (under the cast's merchant), moved to
   * `status` by the issuer: at the cast merchant's shop unless `shop` says the other one,
   * of `amount` EUR (4.2 by default).
   */
  charge(
    status: 'started' | 'executed',
    options?: { readonly shop?: 'merchantShop' | 'otherShop'; readonly amount?: number },
  ): Promise<string>
  /** The EUR balances of the payer of `charge` (the cast's consumer) and of the cast's merchant. */
  balances(): Promise<{ readonly payer: number; readonly merchant: number }>
  /** A record's state, as the issuer reads it. */
  statusOf(id: string): Promise<string | null>
  /** A fresh active person under the cast's merchant. */
  freshUser(): Promise<string>
}

type Row = SeedRow<OrbRole, OrbWorld>

const EVERYONE = { public: '✔', consumer: '✔', merchant: '✔', issuer: '✔' } as const satisfies Record<
  OrbRole,
  Cell
>
const ISSUER_ONLY = { public: '✗', consumer: '✗', merchant: '✗', issuer: '✔' } as const satisfies Record<
  OrbRole,
  Cell
>
const MERCHANT_AND_ISSUER = {
  public: '✗',
  consumer: '✗',
  merchant: '✔',
  issuer: '✔',
} as const satisfies Record<OrbRole, Cell>

const ISSUER_HOLDS_ALL =
  "The seed's issuer list lacks this line; Trellis's issuer holds every permission at ALL because it hands out the other roles and docs/model.md §3 (no escalation) wins over the seed."

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

/** Executes (or reverses) a fresh charge of `amount` with `client`; throws unless the balances moved with it. */
async function moveCharge(client: SeedClient, world: OrbWorld, name: 'execute' | 'reverse', amount: number) {
  const id = await world.charge(name === 'execute' ? 'started' : 'executed', { amount })
  const before = await world.balances()
  const moved = await client.records.transition.mutate({ id, name })
  await expectMoved(world, before, name === 'execute' ? amount : -amount)
  return moved
}

/** Throws unless the balances moved by `amount` from the payer to the merchant (negative: back). */
async function expectMoved(
  world: OrbWorld,
  before: { readonly payer: number; readonly merchant: number },
  amount: number,
) {
  const after = await world.balances()
  const expected = { payer: addAmounts(before.payer, -amount), merchant: addAmounts(before.merchant, amount) }
  if (after.payer !== expected.payer || after.merchant !== expected.merchant) {
    throw new Error(`Balances are ${JSON.stringify(after)}, expected ${JSON.stringify(expected)}`)
  }
}

export const orbSeedTable: readonly Row[] = [
  // public: LOGIN, RECOVER_PASSWORD, GET_SHOPS, GET_SERVER_METRICS, GET_SERVER_VERSIONS
  {
    line: 'LOGIN',
    cells: EVERYONE,
    call: async (client, world) => {
      const account = world.account(client)
      if (account) return client.auth.login.mutate({ email: account.email, password: account.password })
      // The anonymous client signs in as a spare person, then out again: it stays anonymous.
      await client.auth.login.mutate({ email: world.spare.email, password: world.spare.password })
      await client.auth.logout.mutate()
      const stillSignedIn = await client.auth.me.query().then(
        () => true,
        () => false,
      )
      if (stillSignedIn) throw new Error('The anonymous client is still signed in after logout')
    },
  },
  {
    line: 'RECOVER_PASSWORD',
    cells: EVERYONE,
    call: (client, world) => client.auth.requestPasswordReset.mutate({ email: world.spare.email }),
  },
  {
    line: 'GET_SHOPS / GET_SHOP_INFO',
    cells: EVERYONE,
    call: (client, world) => client.records.get.query({ id: world.otherShop }),
    reads: { entityType: 'shops', level: 'ALL' },
    note: "Both are shops.read at ALL in the public role: the seed's GET_SHOP_INFO for consumer and merchant is already theirs through GET_SHOPS.",
  },
  {
    line: 'GET_SERVER_METRICS',
    cells: EVERYONE,
    call: (client) => client.system.metrics.query(),
  },
  {
    line: 'GET_SERVER_VERSIONS',
    cells: EVERYONE,
    call: (client) => client.system.info.query(),
  },

  // consumer: GET_OWN_BALANCE, START_QR_CHARGE, GET_REPORTS_SELF, GET_SHOP_INFO, CHANGE_PASSWORD
  {
    line: 'GET_OWN_BALANCE',
    cells: { public: '✗', consumer: '✔', merchant: '✔', issuer: '✔' },
    reads: { entityType: 'balances', level: 'SELF' },
    note: `balances.read at SELF. The seed's merchant list lacks it; the merchant reads its own balance through GET_OTHER_BALANCE (OWNED). ${ISSUER_HOLDS_ALL}`,
  },
  {
    line: 'GET_ECONOMY_BALANCE',
    cells: { public: '✗', consumer: '✗', merchant: '✗', issuer: 'ALL' },
    reads: { entityType: 'balances', level: 'ALL', total: 'amount' },
    note: "records.aggregate's sum of balances.amount under balances.read at ALL. The others may call it too, and get the total of the balances they read (their own, a merchant's consumers'): the level, not the call, is what the seed gives the issuer.",
  },
  {
    line: 'GET_OTHER_BALANCE',
    cells: { public: '✗', consumer: '✗', merchant: 'OWNED', issuer: 'ALL' },
    reads: { entityType: 'balances', level: 'OWNED', total: 'amount' },
    note: "The seed's prose, not its lists: balances of the accounts a user manages. balances.read at OWNED for the merchant (its consumers sit under it; the preset has no developer role) and ALL for the issuer, with records.get/list for each balance and records.aggregate for their sum.",
  },
  {
    line: 'START_QR_CHARGE',
    cells: { public: '✗', consumer: '✔', merchant: '✗', issuer: '✔' },
    call: async (client) => {
      const charge = await client.records.create.mutate({
        entityType: 'charges',
        data: { amount: 12.5, currency: 'EUR', reference: unique('qr') },
      })
      return client.records.transition.mutate({ id: charge.id, name: 'start' })
    },
    note: `charges.create + charges.start at SELF: a consumer starts a charge of its own. ${ISSUER_HOLDS_ALL}`,
  },

  // merchant: GET_REPORTS_OWN, EXECUTE_QR_PAYMENT, REVERSE_QR_PAYMENT, GET_SHOP_INFO,
  // UPDATE_SHOP_SELF, GET_SELF_INFO, CHANGE_PASSWORD
  {
    line: 'EXECUTE_QR_PAYMENT',
    cells: MERCHANT_AND_ISSUER,
    call: async (client, world) =>
      client.records.transition.mutate({ id: await world.charge('started'), name: 'execute' }),
    note: `charges.execute at SELF through the charge's merchant party (the owner of its shop): the merchant executes the charges of its own shop. The consumer reads the charge (it pays) but may not execute it. ${ISSUER_HOLDS_ALL}`,
  },
  {
    line: 'REVERSE_QR_PAYMENT',
    cells: MERCHANT_AND_ISSUER,
    call: async (client, world) =>
      client.records.transition.mutate({ id: await world.charge('executed'), name: 'reverse' }),
    note: `charges.reverse at SELF through the merchant party. ${ISSUER_HOLDS_ALL}`,
  },
  {
    line: 'EXECUTE_QR_PAYMENT (at another merchant’s shop)',
    cells: ISSUER_ONLY,
    call: async (client, world) =>
      client.records.transition.mutate({
        id: await world.charge('started', { shop: 'otherShop' }),
        name: 'execute',
      }),
    note: "The cast's consumer pays at the other merchant's shop: the cast merchant, though the consumer sits under it, is no party to that charge and gets NOT_FOUND.",
  },
  {
    line: 'START_QR_CHARGE (the payer and the merchant read the charge)',
    cells: { public: '✗', consumer: '✔', merchant: '✔', issuer: '✔' },
    call: async (client, world) => {
      const id = await world.charge('started')
      const charge = await client.records.get.query({ id })
      if (charge.parties.merchant?.[0] !== world.ids.merchant) {
        throw new Error(`The charge's merchant party is ${charge.parties.merchant}, not the shop's owner`)
      }
      return charge
    },
    note: 'charges.read SELF for the consumer (the owner, who pays) and for the merchant (the charge’s merchant party, from its shopId).',
  },
  {
    line: 'GET_REPORTS_SELF / GET_REPORTS_OWN / GET_REPORTS_ALL',
    cells: { public: '✗', consumer: 'SELF', merchant: 'SELF', issuer: 'ALL' },
    reads: { entityType: 'charges', total: 'amount' },
    call: (client) =>
      client.records.aggregate.query({ entityType: 'charges', sum: ['amount'], groupBy: { bucket: 'day' } }),
    note: 'Transaction reports are records.aggregate of charges (count and sum of amount, per day, week or month if asked) under charges.read: SELF for the consumer (the charges it pays), SELF for the merchant through the charge\'s merchant party (the charges that "involve the merchant as a participant": those at its shops), ALL for the issuer.',
  },
  {
    line: 'GET_REPORTS_OWN / GET_REPORTS_ALL (per merchant)',
    cells: { public: '✗', consumer: '✔', merchant: '✔', issuer: '✔' },
    call: async (client, world) => {
      await world.charge('started')
      const report = await client.records.aggregate.query({
        entityType: 'charges',
        sum: ['amount'],
        groupBy: { party: 'merchant' },
      })
      const keys = report.groups?.map((group) => group.key) ?? []
      const me = world.account(client)?.id
      if (me === world.ids.merchant && keys.some((key) => key !== me)) {
        throw new Error(`A merchant's report per merchant has groups ${keys}, not its own alone`)
      }
      if (me === world.ids.issuer && !keys.includes(world.ids.merchant)) {
        throw new Error(`The issuer's report per merchant has no group for the cast merchant: ${keys}`)
      }
      return report
    },
    note: "records.aggregate of charges grouped by their merchant party (a user id per group), at each role's charges.read level: the issuer's report per merchant; a merchant's has its own group alone; a consumer's, a group per merchant it has paid.",
  },
  {
    line: 'UPDATE_SHOP_SELF',
    cells: MERCHANT_AND_ISSUER,
    call: (client, world) =>
      client.records.update.mutate({
        id: world.merchantShop,
        data: { name: 'Corner shop', address: unique('High Street') },
      }),
    note: `shops.update at SELF: the merchant updates the shop it owns; the others try that same shop. ${ISSUER_HOLDS_ALL}`,
  },
  {
    line: 'GET_SELF_INFO',
    cells: MERCHANT_AND_ISSUER,
    call: (client, world) => client.users.get.query({ id: world.account(client)?.id ?? world.ids.merchant }),
    note: "users.read at SELF. The seed's consumer list lacks it, so a consumer is denied (it still has auth.me, session housekeeping). The issuer has it through GET_USER_INFO (users.read ALL).",
  },
  {
    line: 'EXECUTE_QR_PAYMENT (moves the amount from the payer to the merchant)',
    cells: MERCHANT_AND_ISSUER,
    call: (client, world) => moveCharge(client, world, 'execute', 4.2),
    note: "An effect of charges.execute: the payer owns the charge, the merchant owns the shop it names; both balances are the owners' EUR ones.",
  },
  {
    line: 'EXECUTE_QR_PAYMENT (refused when the payer cannot cover it, nothing changed)',
    cells: MERCHANT_AND_ISSUER,
    call: async (client, world) => {
      const id = await world.charge('started', { amount: 1_000_000 })
      const before = await world.balances()
      const refusal = await client.records.transition.mutate({ id, name: 'execute' }).then(
        () => {
          throw new Error('Executed a charge the payer cannot cover')
        },
        (error: unknown) => error,
      )
      if (denialCode(refusal) || errorCodeOf(refusal) !== 'PRECONDITION_FAILED') throw refusal
      await expectMoved(world, before, 0)
      const status = await world.statusOf(id)
      if (status !== 'started') throw new Error(`The refused charge is ${status}, not started`)
    },
    note: 'PRECONDITION_FAILED (reason TRANSITION_REFUSED), "Insufficient funds: ...": the charge stays started and no balance moves.',
  },
  {
    line: 'REVERSE_QR_PAYMENT (moves the amount back to the payer)',
    cells: MERCHANT_AND_ISSUER,
    call: (client, world) => moveCharge(client, world, 'reverse', 3),
    note: 'An effect of charges.reverse, refused like execute when the merchant cannot cover it.',
  },

  // issuer: GET_REPORTS_ALL, GET_ECONOMY_BALANCE, ADD_USER, SEARCH_USERS,
  // DEACTIVATE_ANY_USER, GET_USER_INFO, UPDATE_USER_INFO, CHANGE_PASSWORD
  {
    line: 'GET_USER_INFO / SEARCH_USERS',
    cells: ISSUER_ONLY,
    call: async (client, world) => {
      const user = await client.users.get.query({ id: world.ids.otherConsumer })
      const found = await client.users.list.query({ search: user.email })
      if (!found.items.some((item) => item.id === user.id)) {
        throw new Error(`users.list did not find ${user.email}, which users.get returned`)
      }
      return found
    },
    note: "users.read at ALL. The user looked up is a consumer under the cast's merchant: at SELF the merchant does not see it.",
  },
  {
    line: 'ADD_USER',
    cells: ISSUER_ONLY,
    call: async (client, world) => {
      const user = await client.users.create.mutate({
        email: `${unique('added')}@example.com`,
        parentId: world.ids.merchant,
      })
      return client.users.assignRole.mutate({ id: user.id, role: 'consumer' })
    },
    note: 'users.create, and users.assignRole: a user comes with a role.',
  },
  {
    line: 'DEACTIVATE_ANY_USER',
    cells: ISSUER_ONLY,
    call: async (client, world) => client.users.deactivate.mutate({ id: await world.freshUser() }),
  },
  {
    line: 'UPDATE_USER_INFO',
    cells: ISSUER_ONLY,
    call: (client, world) =>
      client.users.update.mutate({ id: world.ids.otherConsumer, displayName: unique('Renamed') }),
  },
  {
    line: 'CHANGE_PASSWORD',
    cells: { public: '✗', consumer: '✔', merchant: '✔', issuer: '✔' },
    call: async (client, world) => {
      // Changed and changed back: the account keeps the password the world knows.
      const current = world.account(client)?.password ?? 'no password: not signed in'
      const interim = `${current} (for a moment)`
      await client.auth.changePassword.mutate({ currentPassword: current, newPassword: interim })
      return client.auth.changePassword.mutate({ currentPassword: interim, newPassword: current })
    },
    note: 'auth.changePassword; an anonymous caller has no password to change.',
  },
]
