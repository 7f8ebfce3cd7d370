import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { useTRPC } from './trellis'
import { useCan } from './use-can'
import { Pager, usePager } from './use-pager'
import { useAllRoles } from './use-whole-list'
import { UserPicker } from './user-picker'

/** Pending invitations within the caller's level; invite, resend, revoke. */
export function InvitationsPage() {
  const trpc = useTRPC()
  const allowed = useCan()
  const me = useQuery(trpc.auth.me.queryOptions())
  const pager = usePager()
  const list = useQuery(
    trpc.invitations.list.queryOptions({ limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) }),
  )
  const roles = useAllRoles(allowed('roles.read'))
  const create = useMutation(trpc.invitations.create.mutationOptions())
  const resend = useMutation(trpc.invitations.resend.mutationOptions())
  const revoke = useMutation(trpc.invitations.revoke.mutationOptions())
  const [email, setEmail] = useState('')
  const [role, setRole] = useState('')
  const [parent, setParent] = useState<{ id: string; email: string } | undefined>()
  const parentId = parent?.id ?? me.data?.id
  return (
    <section>
      <h1>Invitations</h1>
      {allowed('invitations.create') && (
        <form
          className="card"
          onSubmit={(event) => {
            event.preventDefault()
            if (parentId) create.mutate({ email, role, parentId }, { onSuccess: () => setEmail('') })
          }}
        >
          <h2>Invite someone</h2>
          <label>
            Email
            <input name="inviteEmail" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label htmlFor="invite-role">
            Role
            {roles.data ? (
              <select
                id="invite-role"
                name="inviteRole"
                value={role}
                onChange={(e) => setRole(e.target.value)}
              >
                <option value="">choose…</option>
                {roles.data.map((r) => (
                  <option key={r.name}>{r.name}</option>
                ))}
              </select>
            ) : (
              <input
                id="invite-role"
                name="inviteRole"
                value={role}
                onChange={(e) => setRole(e.target.value)}
              />
            )}
          </label>
          <p>
            Under <strong>{parent?.email ?? me.data?.email}</strong>
          </p>
          <UserPicker
            label="Place under…"
            onPick={(id, pickedEmail) => setParent({ id, email: pickedEmail })}
          />
          <button type="submit" disabled={create.isPending}>
            Send invitation
          </button>
          {create.isSuccess && (
            <p className="ok">Invited {create.data.user.email}: the invitation was mailed.</p>
          )}
          <ErrorMessage error={create.error} />
        </form>
      )}
      <ErrorMessage error={list.error ?? resend.error ?? revoke.error} />
      <table>
        <thead>
          <tr>
            <th>email</th>
            <th>expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((invitation) => (
            <tr key={invitation.user.id}>
              <td>{invitation.user.email}</td>
              <td>{invitation.expired ? 'expired' : new Date(invitation.expiresAt).toLocaleString()}</td>
              <td>
                <button
                  type="button"
                  disabled={!allowed('invitations.create')}
                  onClick={() => resend.mutate({ userId: invitation.user.id })}
                >
                  Resend
                </button>
                <button
                  type="button"
                  disabled={!allowed('invitations.revoke')}
                  onClick={() => revoke.mutate({ userId: invitation.user.id })}
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager pager={pager} nextCursor={list.data?.nextCursor} />
    </section>
  )
}
