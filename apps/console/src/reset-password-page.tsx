import { useMutation } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { navigate, useLocation } from './navigation'
import { useTRPC } from './trellis'

/** `/reset-password?token=trt_…`, the link of a reset mail: choose a new password, then sign in. */
export function ResetPasswordPage() {
  const trpc = useTRPC()
  const { search } = useLocation()
  const [token, setToken] = useState(search.get('token') ?? '')
  const [newPassword, setNewPassword] = useState('')
  const reset = useMutation(trpc.auth.resetPassword.mutationOptions())
  if (reset.isSuccess)
    return (
      <div className="card narrow">
        <h1>Password changed</h1>
        <p className="ok">Sign in with your new password.</p>
        <button type="button" onClick={() => navigate('/')}>
          Sign in
        </button>
      </div>
    )
  return (
    <form
      className="card narrow"
      onSubmit={(event) => {
        event.preventDefault()
        reset.mutate({ token, newPassword })
      }}
    >
      <h1>Choose a new password</h1>
      <label>
        Reset token
        <input name="token" value={token} onChange={(e) => setToken(e.target.value)} />
      </label>
      <label>
        New password
        <input
          name="newPassword"
          type="password"
          autoComplete="new-password"
          value={newPassword}
          onChange={(e) => setNewPassword(e.target.value)}
        />
      </label>
      <button type="submit" disabled={reset.isPending}>
        Change password
      </button>
      <ErrorMessage error={reset.error} />
    </form>
  )
}
