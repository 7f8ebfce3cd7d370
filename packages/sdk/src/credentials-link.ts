import { TRPCClientError, type TRPCLink } from '@trpc/client'
import type { AnyRouter } from '@trpc/server'
import { observable } from '@trpc/server/observable'
import type { TokenStore } from './token-store.js'

const ENDS_SESSION = new Set(['auth.logout', 'auth.logoutEverywhere'])

/** Where `credentialsLink` leaves the credential for the HTTP link (`trellisHttpLink`). */
export const AUTHORIZATION_CONTEXT_KEY = 'trellisAuthorization'

export interface CredentialsOptions {
  /** Where the session token lives. */
  readonly tokenStore: TokenStore
  /** A service account's API key, sent when there is no session token. */
  readonly apiKey?: string
}

/**
 * Attaches the caller's credential to each call (the session token, else the API key)
 * and keeps the store in step with the session: it remembers the token `auth.login`
 * returns and clears it after a logout. Compose it before `trellisHttpLink`, after your
 * own links (logging, retry), which then see each call once.
 *
 * @example
 * createTRPCClient<AppRouter>({
 *   links: [loggerLink(), credentialsLink({ tokenStore }), trellisHttpLink({ url })],
 * })
 */
export function credentialsLink<TRouter extends AnyRouter>(options: CredentialsOptions): TRPCLink<TRouter> {
  const { tokenStore, apiKey } = options
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let unsubscribe: (() => void) | undefined
        let stopped = false
        // Follows the session: a store write finishes before the call's result is passed
        // on, so the next call (awaited after this one) already sends the new token.
        const remember = (envelope: { result: { type?: string; data?: unknown } }) => {
          if (envelope.result.type !== 'data') return undefined
          if (op.path === 'auth.login') {
            // A cookie session's login answers no token: the browser holds the cookie.
            const { token } = envelope.result.data as { token: string | null }
            return token === null ? tokenStore.clear() : tokenStore.set(token)
          }
          if (ENDS_SESSION.has(op.path)) return tokenStore.clear()
          return undefined
        }
        const send = (token: string | null | undefined) => {
          if (stopped) return
          const credential = token ?? apiKey
          const context = credential
            ? { ...op.context, [AUTHORIZATION_CONTEXT_KEY]: `Bearer ${credential}` }
            : op.context
          let pending: Promise<unknown> = Promise.resolve()
          unsubscribe = next({ ...op, context }).subscribe({
            next(envelope) {
              const stored = remember(envelope)
              if (stored === undefined) return observer.next(envelope)
              pending = Promise.resolve(stored).then(
                () => observer.next(envelope),
                (cause: unknown) => observer.error(TRPCClientError.from(toError(cause))),
              )
            },
            error: (error) => observer.error(error),
            complete: () => void pending.then(() => observer.complete()),
          }).unsubscribe
        }
        const token = tokenStore.get()
        // A synchronous store keeps calls made together in one batch: no promise in between.
        if (isPromiseLike(token))
          token.then(send, (cause: unknown) => observer.error(TRPCClientError.from(toError(cause))))
        else send(token)
        return () => {
          stopped = true
          unsubscribe?.()
        }
      })
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function'
}

function toError(cause: unknown): Error {
  return cause instanceof Error ? cause : new Error(String(cause))
}
