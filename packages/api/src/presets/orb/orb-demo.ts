import type { PresetDemo } from '../demo-world.js'

// Issuer (the first administrator) → merchant → consumer: the merchant executes the charges
// made at its shop (it is their `merchant` party). The merchant owns its shop, each of them a balance; the
// consumer has created a charge at the shop.
export const orbDemo: PresetDemo = {
  users: [
    { name: 'merchant', role: 'merchant' },
    { name: 'consumer', role: 'consumer', parent: 'merchant' },
  ],
  records: [
    {
      key: 'shop',
      entityType: 'shops',
      owner: 'merchant',
      data: { name: 'Corner café', address: '1 Main St' },
    },
    { entityType: 'balances', owner: 'merchant', data: { amount: 250, currency: 'EUR' } },
    { entityType: 'balances', owner: 'consumer', data: { amount: 100, currency: 'EUR' } },
    {
      entityType: 'charges',
      owner: 'consumer',
      data: (idOf) => ({ amount: 4.5, currency: 'EUR', shopId: idOf('shop'), reference: 'Coffee' }),
    },
    { entityType: 'reports', owner: 'merchant', data: { period: '2026-11', total: 0 } },
  ],
}
