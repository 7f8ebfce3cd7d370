import { useMutation } from '@tanstack/react-query'
import type { Permission } from '@trellis/sdk'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { type Grant, LEVELS, type MatrixRow, matrixRows } from './role-matrix'
import { useTRPC } from './trellis'
import { useCan } from './use-can'
import { useAllEntityTypes, useAllRoles } from './use-whole-list'

/** Permissions × roles, like the Bobsled seed's table; each change is saved at once. */
export function RolesPage() {
  const trpc = useTRPC()
  const allowed = useCan()
  const roles = useAllRoles()
  const types = useAllEntityTypes(allowed('entityTypes.read'))
  const setGrant = useMutation(trpc.roles.setGrant.mutationOptions())
  const [last, setLast] = useState('')
  if (roles.error) return <ErrorMessage error={roles.error} />
  if (!roles.data) return <p className="loading">Loading…</p>
  const rows = matrixRows(
    roles.data,
    (types.data ?? []).flatMap((type) => type.permissions),
  )
  const editable = allowed('roles.update')
  const save = (role: string, row: MatrixRow, grant: Grant | null) => {
    setLast(`${role} · ${row.permission}`)
    setGrant.mutate({ role, permission: row.permission as Permission, grant })
  }
  return (
    <section>
      <h1>Roles</h1>
      {setGrant.error ? (
        <p className="error" role="alert">
          Not saved ({last}): {setGrant.error.message}
        </p>
      ) : (
        setGrant.isSuccess && <p className="ok">Saved ({last}).</p>
      )}
      <div className="scroll">
        <table className="matrix">
          <thead>
            <tr>
              <th>permission</th>
              {roles.data.map((role) => (
                <th key={role.name} title={role.description}>
                  {role.name}
                  {role.protected ? ' (protected)' : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.permission}>
                <th>{row.permission}</th>
                {roles.data.map((role) => {
                  const grant = role.grants[row.permission]
                  const label = `${role.name} ${row.permission}`
                  return (
                    <td key={role.name}>
                      {row.kind === 'boolean' ? (
                        <input
                          type="checkbox"
                          aria-label={label}
                          checked={grant === true}
                          disabled={!editable || setGrant.isPending}
                          onChange={(e) => save(role.name, row, e.target.checked ? true : null)}
                        />
                      ) : (
                        <select
                          aria-label={label}
                          value={typeof grant === 'string' ? grant : ''}
                          disabled={!editable || setGrant.isPending}
                          onChange={(e) => save(role.name, row, (e.target.value || null) as Grant | null)}
                        >
                          <option value="">—</option>
                          {LEVELS.map((level) => (
                            <option key={level}>{level}</option>
                          ))}
                        </select>
                      )}
                    </td>
                  )
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
