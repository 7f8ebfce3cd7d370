import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTRPC } from './trellis'

/** Finds a visible user by email or name and hands its id back: for moves, heirs, explain. */
export function UserPicker({
  label,
  onPick,
}: {
  label: string
  onPick: (id: string, email: string) => void
}) {
  const trpc = useTRPC()
  const [search, setSearch] = useState('')
  const found = useQuery({
    ...trpc.users.list.queryOptions({ search, limit: 8 }),
    enabled: search.trim() !== '',
  })
  return (
    <div className="picker">
      <input
        type="search"
        aria-label={label}
        placeholder={label}
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      {search.trim() !== '' && (
        <ul className="list">
          {found.data?.items.map((user) => (
            <li key={user.id}>
              <button
                type="button"
                className="link"
                onClick={() => {
                  setSearch('')
                  onPick(user.id, user.email)
                }}
              >
                {user.email}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
