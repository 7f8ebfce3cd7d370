/** A labelled password input: `current-password` to sign in or confirm, `new-password` to choose one. */
export function PasswordField(props: {
  readonly label: string
  readonly name: string
  readonly autoComplete: 'current-password' | 'new-password'
  readonly value: string
  readonly onChange: (value: string) => void
}) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type="password"
        autoComplete={props.autoComplete}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  )
}
