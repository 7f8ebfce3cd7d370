import { useQuery } from '@tanstack/react-query'
import { can, type Permission } from '@trellis/sdk'
import { useTRPC } from './trellis'

type Level = 'SELF' | 'OWNED' | 'UNION' | 'ALL'

/**
 * `can()` over the caller's `access.mine`, for hiding or disabling what it may not do.
 * Only a hint: the server decides every call, and a refusal is shown as it answers.
 */
export function useCan(): (permission: Permission, level?: Level) => boolean {
  const trpc = useTRPC()
  const mine = useQuery(trpc.access.mine.queryOptions())
  return (permission, level) => (mine.data ? can(mine.data, permission, level) : false)
}
