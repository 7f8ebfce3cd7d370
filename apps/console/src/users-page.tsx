import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { useTRPC } from './trellis'
import { Pager, usePager } from './use-pager'
import { UserDetails } from './user-details'
import { UserTree } from './user-tree'

/** The tree from the signed-in user down, a search over every visible user, and one user opened. */
export function UsersPage() {
  const trpc = useTRPC()
  const me = useQuery(trpc.auth.me.queryOptions())
  const [search, setSearch] = useState('')
  const [opened, setOpened] = useState<string | undefined>()
  const pager = usePager()
  const found = useQuery({
    ...trpc.users.list.queryOptions({ search, limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) }),
    enabled: search.trim() !== '',
  })
  return (
    <section className="split">
      <div>
        <h1>Users</h1>
        <input
          type="search"
          placeholder="Search email or name"
          aria-label="Search users"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value)
            pager.reset()
          }}
        />
        {search.trim() !== '' ? (
          <>
            <ul className="list">
              {found.data?.items.map((user) => (
                <li key={user.id}>
                  <button type="button" className="link" onClick={() => setOpened(user.id)}>
                    {user.displayName} &lt;{user.email}&gt;
                  </button>{' '}
                  <span className={`status ${user.status}`}>{user.status}</span>
                </li>
              ))}
            </ul>
            <Pager pager={pager} nextCursor={found.data?.nextCursor} />
            <ErrorMessage error={found.error} />
          </>
        ) : (
          me.data && <UserTree root={me.data} opened={opened} onOpen={setOpened} />
        )}
      </div>
      <div>
        {opened && <UserDetails id={opened} onGone={() => setOpened(undefined)} onOpen={setOpened} />}
      </div>
    </section>
  )
}
