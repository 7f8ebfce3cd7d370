import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { useTRPC } from './trellis'
import { useCan } from './use-can'
import { useAllRoles } from './use-whole-list'
import { UserPicker } from './user-picker'

/** One user: its place, its roles, and what the caller may do to it. */
export function UserDetails({
  id,
  onGone,
  onOpen,
}: {
  id: string
  onGone: () => void
  onOpen: (id: string) => void
}) {
  const trpc = useTRPC()
  const allowed = useCan()
  const user = useQuery(trpc.users.get.queryOptions({ id }))
  const roles = useQuery(trpc.users.roles.queryOptions({ id }))
  const allRoles = useAllRoles(allowed('roles.read'))
  const [role, setRole] = useState('')
  const [heir, setHeir] = useState<{ id: string; email: string } | undefined>()
  const move = useMutation(trpc.users.move.mutationOptions())
  const deactivate = useMutation(trpc.users.deactivate.mutationOptions())
  const reactivate = useMutation(trpc.users.reactivate.mutationOptions())
  const remove = useMutation(trpc.users.delete.mutationOptions({ onSuccess: onGone }))
  const assign = useMutation(trpc.users.assignRole.mutationOptions())
  const unassign = useMutation(trpc.users.unassignRole.mutationOptions())
  if (user.error) return <ErrorMessage error={user.error} />
  if (!user.data) return <p className="loading">Loading…</p>
  const u = user.data
  return (
    <div className="card">
      <h2>{u.displayName}</h2>
      <dl>
        <dt>Email</dt>
        <dd>{u.email}</dd>
        <dt>Kind</dt>
        <dd>{u.kind}</dd>
        <dt>Status</dt>
        <dd>
          <span className={`status ${u.status}`}>{u.status}</span>
        </dd>
        <dt>Parent</dt>
        <dd>
          {u.parentId ? (
            <button type="button" className="link" onClick={() => onOpen(u.parentId!)}>
              open parent
            </button>
          ) : (
            'none (a root)'
          )}
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{u.id}</code>
        </dd>
      </dl>
      <h3>Roles</h3>
      <ul className="list" aria-label="Roles of the user">
        {roles.data?.map((binding) => (
          <li key={`${binding.role}:${binding.scope ?? ''}`}>
            {binding.role}
            {binding.scope ? ` (${binding.scope})` : ''}
            {allowed('users.unassignRole') && (
              <button
                type="button"
                className="small"
                onClick={() =>
                  unassign.mutate({
                    id,
                    role: binding.role,
                    ...(binding.scope ? { scope: binding.scope as `entityType:${string}` } : {}),
                  })
                }
              >
                remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {allowed('users.assignRole') && allRoles.data && (
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault()
            if (role) assign.mutate({ id, role })
          }}
        >
          <select aria-label="Role to assign" value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">role…</option>
            {allRoles.data.map((r) => (
              <option key={r.name}>{r.name}</option>
            ))}
          </select>
          <button type="submit">Assign</button>
        </form>
      )}
      <ErrorMessage error={roles.error ?? assign.error ?? unassign.error} />

      {allowed('users.move') && (
        <>
          <h3>Move</h3>
          <UserPicker label="Move under…" onPick={(newParentId) => move.mutate({ id, newParentId })} />
          <ErrorMessage error={move.error} />
        </>
      )}

      <h3>Status</h3>
      <div className="row">
        {u.status !== 'deactivated' ? (
          <button
            type="button"
            disabled={!allowed('users.deactivate')}
            onClick={() => deactivate.mutate({ id })}
          >
            Deactivate
          </button>
        ) : (
          <button
            type="button"
            disabled={!allowed('users.reactivate')}
            onClick={() => reactivate.mutate({ id })}
          >
            Reactivate
          </button>
        )}
      </div>
      <ErrorMessage error={deactivate.error ?? reactivate.error} />

      {allowed('users.delete') && (
        <>
          <h3>Delete</h3>
          <p>
            Its children and records go to <strong>{heir ? heir.email : 'its parent'}</strong>
            {heir && (
              <button type="button" className="small" onClick={() => setHeir(undefined)}>
                back to the parent
              </button>
            )}
          </p>
          <UserPicker label="Or hand them to…" onPick={(heirId, email) => setHeir({ id: heirId, email })} />
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (confirm(`Delete ${u.email}?`))
                remove.mutate({ id, ...(heir ? { transferTo: heir.id } : {}) })
            }}
          >
            Delete user
          </button>
          <ErrorMessage error={remove.error} />
        </>
      )}
    </div>
  )
}
