import { defineEntityTypes } from '@trellis/core'

const money = {
  amount: { type: 'number', exclusiveMinimum: 0 },
  currency: { type: 'string', pattern: '^[A-Z]{3}$' },
} as const

// The records Orb DLT's permissions talk about (seeds/orb-dlt-roles-and-permissions.txt).
export const orbEntityTypes = defineEntityTypes({
  balances: {
    description: "A user's balance in the economy",
    schema: {
      type: 'object',
      properties: { amount: { type: 'number' }, currency: money.currency },
      required: ['amount', 'currency'],
    },
  },
  charges: {
    description: 'A QR charge: started by a consumer, executed (and maybe reversed) by a merchant',
    schema: {
      type: 'object',
      properties: {
        ...money,
        shopId: { type: 'string', format: 'uuid' },
        reference: { type: 'string', maxLength: 200 },
      },
      required: ['amount', 'currency'],
    },
    references: { shopId: 'shops' },
    // The payer is the owner; the merchant is whoever owns the shop the charge is for, so a
    // merchant reads, executes and reverses the charges of its own shops, not its consumers'.
    parties: {
      merchant: {
        description: 'The owner of the shop the charge is for',
        from: { reference: 'shopId' },
        actions: ['read', 'execute', 'reverse'],
      },
    },
    stateMachine: {
      initial: 'created',
      transitions: {
        start: { from: ['created'], to: 'started' },
        execute: { from: ['started'], to: 'executed' },
        reverse: { from: ['executed'], to: 'reversed' },
      },
    },
  },
  shops: {
    description: "A merchant's shop; the merchant owns it",
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 200 },
        address: { type: 'string', maxLength: 500 },
      },
      required: ['name'],
    },
  },
  reports: {
    description: 'A transaction report, owned by the participant it is about',
    schema: {
      type: 'object',
      properties: { period: { type: 'string', maxLength: 50 }, total: { type: 'number' } },
      required: ['period'],
    },
  },
})
