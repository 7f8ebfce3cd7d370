import { isNetworkError } from '@trellis/sdk'

/** A refusal or failure as a person reads it: the server's own message, or why none came. */
export function messageOf(error: unknown): string {
  if (isNetworkError(error)) return 'The server could not be reached. Try again.'
  return error instanceof Error ? error.message : String(error)
}

/** Shows an error, if there is one, where a person will see it. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null
  return (
    <p className="error" role="alert">
      {messageOf(error)}
    </p>
  )
}
