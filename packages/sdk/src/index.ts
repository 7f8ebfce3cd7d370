// Pure helpers of the model, shared with the server: @trellis/core runs in browsers too.
export {
  entityTypeGrants,
  entityTypePermission,
  entityTypeScope,
  type PolicyScope,
  policyScope,
} from '@trellis/core'
export { can, type MyGrants } from './can.js'
export {
  createTrellisClient,
  type TrellisClient,
  type TrellisClientOptions,
  type TrellisHttpOptions,
  trellisHttpLink,
} from './create-trellis-client.js'
export { type CredentialsOptions, credentialsLink } from './credentials-link.js'
export { listAll, type Page } from './list-all.js'
export type { Permission } from './permission.js'
export type { AppRouter, RouterInputs, RouterOutputs } from './router-types.js'
export {
  type MaybePromise,
  memoryTokenStore,
  type StorageLike,
  type TokenStore,
  webStorageTokenStore,
} from './token-store.js'
export {
  isNetworkError,
  isTrellisError,
  reasonOf,
  type TrellisError,
  type TrellisErrorReason,
} from './trellis-error.js'
