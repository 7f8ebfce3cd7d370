import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { navigate } from './navigation'
import { PasswordField } from './password-field'
import { useTRPC } from './trellis'

/** Email and password; the server answers with an httpOnly session cookie. */
export function SignInPage() {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      // Nothing of a previous user's answers may show to the next one.
      onSuccess: () => {
        queryClient.resetQueries()
        navigate('/')
      },
    }),
  )
  return (
    <form
      className="card narrow"
      onSubmit={(event) => {
        event.preventDefault()
        login.mutate({ email, password })
      }}
    >
      <h1>Sign in to Trellis</h1>
      <label>
        Email
        <input
          name="email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <PasswordField
        label="Password"
        name="password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
      />
      <button type="submit" disabled={login.isPending}>
        Sign in
      </button>
      <ErrorMessage error={login.error} />
    </form>
  )
}
