import type { ReactNode } from 'react'
import { navigate } from './navigation'

/** The end of a flow that leaves the person signed out (a reset, an invitation): what happened, then sign in. */
export function SignInNextCard(props: { readonly title: ReactNode; readonly message: string }) {
  return (
    <div className="card narrow">
      <h1>{props.title}</h1>
      <p className="ok">{props.message}</p>
      <button type="button" onClick={() => navigate('/')}>
        Sign in
      </button>
    </div>
  )
}
