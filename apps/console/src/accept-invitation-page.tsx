import { useMutation } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { useLocation } from './navigation'
import { PasswordField } from './password-field'
import { SignInNextCard } from './sign-in-next-card'
import { useTRPC } from './trellis'

/** `/accept?token=tri_…`: the invited person chooses a password, then signs in. */
export function AcceptInvitationPage() {
  const trpc = useTRPC()
  const { search } = useLocation()
  const [token, setToken] = useState(search.get('token') ?? '')
  const [password, setPassword] = useState('')
  const [displayName, setDisplayName] = useState('')
  const accept = useMutation(trpc.invitations.accept.mutationOptions())
  if (accept.isSuccess)
    return <SignInNextCard title={`Welcome, ${accept.data.email}`} message="Your account is active." />
  return (
    <form
      className="card narrow"
      onSubmit={(event) => {
        event.preventDefault()
        accept.mutate({ token, password, ...(displayName ? { displayName } : {}) })
      }}
    >
      <h1>Accept your invitation</h1>
      <label>
        Invitation token
        <input name="token" value={token} onChange={(e) => setToken(e.target.value)} />
      </label>
      <label>
        Your name
        <input name="displayName" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </label>
      <PasswordField
        label="Choose a password"
        name="password"
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
      />
      <button type="submit" disabled={accept.isPending}>
        Accept
      </button>
      <ErrorMessage error={accept.error} />
    </form>
  )
}
