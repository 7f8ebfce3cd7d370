import { useMutation } from '@tanstack/react-query'
import type { Permission } from '@trellis/sdk'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { useTRPCClient } from './trellis'
import { UserPicker } from './user-picker'

/** "Why can this user (not) do this?": access.explain for a user, a permission, maybe a record. */
export function ExplainPage() {
  const trellis = useTRPCClient()
  const [user, setUser] = useState<{ id: string; email: string } | undefined>()
  const [permission, setPermission] = useState('')
  const [recordId, setRecordId] = useState('')
  // A question, not a change: a query would refetch on every keystroke, so it is asked on submit.
  const client = useMutation({
    mutationFn: (input: { userId: string; permission: Permission; recordId?: string }) =>
      trellis.access.explain.query(input),
  })
  return (
    <section>
      <h1>Why can this user (not) do this?</h1>
      <form
        className="card"
        onSubmit={(event) => {
          event.preventDefault()
          if (user)
            client.mutate({
              userId: user.id,
              permission: permission.trim() as Permission,
              ...(recordId.trim() ? { recordId: recordId.trim() } : {}),
            })
        }}
      >
        <p>
          User: <strong>{user?.email ?? 'pick one'}</strong>
        </p>
        <UserPicker label="Find the user…" onPick={(id, email) => setUser({ id, email })} />
        <label>
          Permission
          <input
            name="permission"
            placeholder="users.move"
            value={permission}
            onChange={(e) => setPermission(e.target.value)}
          />
        </label>
        <label>
          Record id (optional)
          <input name="recordId" value={recordId} onChange={(e) => setRecordId(e.target.value)} />
        </label>
        <button type="submit" disabled={!user || client.isPending}>
          Explain
        </button>
      </form>
      <ErrorMessage error={client.error} />
      {client.data && (
        <div className={`card ${client.data.allowed ? 'allowed' : 'denied'}`}>
          <h2>{client.data.allowed ? 'Allowed' : 'Denied'}</h2>
          <p>{client.data.reason}</p>
          {client.data.level && <p>Level: {client.data.level}</p>}
          <h3>Grants that took part</h3>
          {client.data.grants.length === 0 && <p>none</p>}
          <ul>
            {client.data.grants.map((grant) => (
              <li key={`${grant.role}:${String(grant.grant)}`}>
                {grant.role}: {String(grant.grant)}
                {client.data.decidedBy?.role === grant.role ? ' (deciding)' : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  )
}
