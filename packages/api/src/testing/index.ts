// @trellis/api/testing: test and bench support, not a stable API. The presets' seed tables
// live beside their presets here, but only the server's end-to-end tests can replay them
// (through the SDK, which sits above this package), so they are handed on from here.
export { accessCacheOf } from '../access/access-cache.js'
export { hashPassword } from '../identity/password-hash.js'
export {
  type BitbrokerRole,
  type BitbrokerWorld,
  bitbrokerSeedTable,
  CARS_FEED,
} from '../presets/bitbroker/bitbroker-seed-table.js'
export {
  BOBSLED_ROLES,
  type BobsledRole,
  type BobsledWorld,
  bobsledSeedTable,
} from '../presets/bobsled/bobsled-seed-table.js'
export { type OrbAccount, type OrbRole, type OrbWorld, orbSeedTable } from '../presets/orb/orb-seed-table.js'
export { denialCode, levelOfCell, type SeedRow } from '../presets/seed-table.js'
export { type ReceivedWebhook, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js'
