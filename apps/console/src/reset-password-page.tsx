import { useMutation } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { useLocation } from './navigation'
import { PasswordField } from './password-field'
import { SignInNextCard } from './sign-in-next-card'
import { useTRPC } from './trellis'

/** `/reset-password?token=trt_…`, the link of a reset mail: choose a new password, then sign in. */
export function ResetPasswordPage() {
  const trpc = useTRPC()
  const { search } = useLocation()
  const [token, setToken] = useState(search.get('token') ?? '')
  const [newPassword, setNewPassword] = useState('')
  const reset = useMutation(trpc.auth.resetPassword.mutationOptions())
  if (reset.isSuccess)
    return <SignInNextCard title="Password changed" message="Sign in with your new password." />
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
      <PasswordField
        label="New password"
        name="newPassword"
        autoComplete="new-password"
        value={newPassword}
        onChange={setNewPassword}
      />
      <button type="submit" disabled={reset.isPending}>
        Change password
      </button>
      <ErrorMessage error={reset.error} />
    </form>
  )
}
