import type { TRPCLink } from '@trpc/client'
import type { AnyRouter } from '@trpc/server'
import { observable } from '@trpc/server/observable'
import type { TokenStore } from './token-store.js'

const ENDS_SESSION = new Set(['auth.logout', 'auth.logoutEverywhere'])

/**
 * Keeps the store in step with the session: remembers the token `auth.login` returns and
 * forgets it after a logout, so an app just calls `auth.login` and is signed in.
 */
export function sessionLink<TRouter extends AnyRouter>(store: TokenStore): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) =>
        next(op).subscribe({
          next(envelope) {
            const { result } = envelope
            if (op.path === 'auth.login' && result.type === 'data') {
              store.set((result.data as { token: string }).token)
            }
            if (ENDS_SESSION.has(op.path) && result.type === 'data') store.set(undefined)
            observer.next(envelope)
          },
          error: (error) => observer.error(error),
          complete: () => observer.complete(),
        }),
      )
}
