import { useQuery } from '@tanstack/react-query'
import { listAll, type Page } from '@trellis/sdk'
import { useTRPCClient } from './trellis'

// The largest page the API gives: a whole list in the fewest calls.
const LIMIT = 200

/** A list the console needs whole, page after page. Any change refetches it (see createQueryClient). */
function useWholeList<Item>(
  name: string,
  fetchPage: (cursor: string | undefined) => Promise<Page<Item>>,
  enabled: boolean,
) {
  return useQuery({ queryKey: ['whole list', name], queryFn: () => listAll(fetchPage), enabled })
}

/** Every role, for the matrix and the role pickers. */
export function useAllRoles(enabled = true) {
  const trellis = useTRPCClient()
  return useWholeList('roles', (cursor) => trellis.roles.list.query({ cursor, limit: LIMIT }), enabled)
}

/** Every entity type the caller reads, for the record tabs and the permissions of the matrix. */
export function useAllEntityTypes(enabled = true) {
  const trellis = useTRPCClient()
  return useWholeList(
    'entity types',
    (cursor) => trellis.entityTypes.list.query({ cursor, limit: LIMIT }),
    enabled,
  )
}
