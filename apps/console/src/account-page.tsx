import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { navigate } from './navigation'
import { PasswordField } from './password-field'
import { useTRPC } from './trellis'
import { useCan } from './use-can'

/** Who is signed in, a password change, and sign out. */
export function AccountPage() {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const allowed = useCan()
  const me = useQuery(trpc.auth.me.queryOptions())
  const [currentPassword, setCurrent] = useState('')
  const [newPassword, setNew] = useState('')
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrent('')
        setNew('')
      },
    }),
  )
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        queryClient.resetQueries()
        navigate('/')
      },
    }),
  )
  return (
    <section>
      <h1>Account</h1>
      <p>
        Signed in as <strong>{me.data?.email}</strong>
      </p>
      <button type="button" onClick={() => logout.mutate()}>
        Sign out
      </button>
      {allowed('auth.changePassword') && (
        <form
          className="card narrow"
          onSubmit={(event) => {
            event.preventDefault()
            change.mutate({ currentPassword, newPassword })
          }}
        >
          <h2>Change password</h2>
          <PasswordField
            label="Current password"
            name="currentPassword"
            autoComplete="current-password"
            value={currentPassword}
            onChange={setCurrent}
          />
          <PasswordField
            label="New password"
            name="newPassword"
            autoComplete="new-password"
            value={newPassword}
            onChange={setNew}
          />
          <button type="submit" disabled={change.isPending}>
            Change password
          </button>
          {change.isSuccess && <p className="ok">Password changed. Your other sessions were ended.</p>}
          <ErrorMessage error={change.error} />
        </form>
      )}
      <ErrorMessage error={logout.error} />
    </section>
  )
}
