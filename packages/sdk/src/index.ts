export {
  createTrellisClient,
  type TrellisClient,
  type TrellisClientOptions,
} from './create-trellis-client.js'
export type { AppRouter, RouterInputs, RouterOutputs } from './router-types.js'
export { memoryTokenStore, type TokenStore } from './token-store.js'
export { isTrellisError, type TrellisError } from './trellis-error.js'
