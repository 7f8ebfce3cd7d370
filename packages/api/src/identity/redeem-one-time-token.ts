import { type OneTimeTokenPurpose, type TrellisDatabase, withTransaction } from '@trellis/db'
import { unauthorized } from '../errors/access-errors.js'
import { releaseAttempt, reserveAttempt } from './attempt-throttle.js'
import type { AuthConfig } from './auth-config.js'
import { consumeOneTimeToken, findOneTimeTokenUser } from './one-time-token.js'
import { hashPassword } from './password-hash.js'
import { assertPasswordAllowed } from './password-policy.js'
import { hashSecret } from './secret-token.js'

export interface TokenRedemption {
  readonly token: string
  readonly purpose: OneTimeTokenPurpose
  readonly password: string
  readonly clientAddress: string | undefined
}

/**
 * Spends a one-time token to set a password, cheapest check first: reserves a throttled
 * attempt (per client address and per token), looks the token up (an invalid one is
 * refused UNAUTHORIZED, costs no hash and stays counted as a failure), applies the password
 * policy, hashes outside any transaction, then spends the token and runs `apply` in one
 * transaction. Call it on the root database.
 */
export async function redeemOneTimeToken<T>(
  db: TrellisDatabase,
  redemption: TokenRedemption,
  config: AuthConfig,
  apply: (trx: TrellisDatabase, userId: string, passwordHash: string) => Promise<T>,
): Promise<T> {
  const { token, purpose, password, clientAddress } = redemption
  const reservation = await reserveAttempt(
    db,
    [
      { key: `token:${hashSecret(token)}`, limit: config.loginMaxFailuresPerAccount },
      ...(clientAddress ? [{ key: `ip:${clientAddress}`, limit: config.loginMaxFailuresPerAddress }] : []),
    ],
    config.loginWindowMinutes,
  )
  if (!(await findOneTimeTokenUser(db, token, purpose))) throw unauthorized()
  try {
    assertPasswordAllowed(password)
  } catch (error) {
    // The token was right: a weak password is the holder's mistake, not a guess.
    await releaseAttempt(db, reservation)
    throw error
  }
  const passwordHash = await hashPassword(password)
  return withTransaction(db, async (trx) => {
    // Spent in the same statement that checks it: of two concurrent redemptions, one wins.
    const userId = await consumeOneTimeToken(trx, token, purpose)
    if (!userId) throw unauthorized()
    const result = await apply(trx, userId, passwordHash)
    await releaseAttempt(trx, reservation)
    return result
  })
}
