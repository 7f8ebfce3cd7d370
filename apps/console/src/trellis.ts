import { QueryClient } from '@tanstack/react-query'
import { type AppRouter, createTrellisClient } from '@trellis/sdk'
import { createTRPCContext } from '@trpc/tanstack-react-query'

// The console is served by the server itself, so it keeps no token: the session is an
// httpOnly cookie, and every call carries the CSRF header the server requires with it.
export const trellisClient = createTrellisClient({
  url: '/trpc',
  headers: { 'x-trellis-csrf': '1', 'x-trellis-session': 'cookie' },
  fetch: (input, init) => fetch(input, { ...init, credentials: 'include' }),
})

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>()

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    defaultOptions: {
      // A refusal is an answer, not a glitch: show it at once instead of retrying.
      queries: { retry: false, staleTime: 0, refetchOnWindowFocus: false },
      mutations: {
        // A change may change what every list shows and what the caller may do; a refusal
        // changed nothing, but grants may have moved under the caller, so ask again.
        onSuccess: () => client.invalidateQueries(),
        onError: () => client.invalidateQueries({ queryKey: [['access', 'mine']] }),
      },
    },
  })
  return client
}
