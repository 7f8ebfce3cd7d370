import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { useTRPC } from './trellis'
import { Pager, usePager } from './use-pager'

const OUTCOMES = ['', 'allowed', 'denied', 'failed'] as const

/** Audit events the caller's level shows, newest first, filtered by permission and outcome. */
export function AuditPage() {
  const trpc = useTRPC()
  const pager = usePager()
  const [permission, setPermission] = useState('')
  const [outcome, setOutcome] = useState<(typeof OUTCOMES)[number]>('')
  const events = useQuery(
    trpc.audit.list.queryOptions({
      limit: 25,
      ...(pager.cursor ? { cursor: pager.cursor } : {}),
      ...(permission.trim() ? { permission: permission.trim() } : {}),
      ...(outcome ? { outcome } : {}),
    }),
  )
  return (
    <section>
      <h1>Audit log</h1>
      <div className="row">
        <input
          aria-label="Permission filter"
          placeholder="permission, e.g. users.move"
          value={permission}
          onChange={(e) => {
            setPermission(e.target.value)
            pager.reset()
          }}
        />
        <select
          aria-label="Outcome filter"
          value={outcome}
          onChange={(e) => {
            setOutcome(e.target.value as (typeof OUTCOMES)[number])
            pager.reset()
          }}
        >
          {OUTCOMES.map((value) => (
            <option key={value} value={value}>
              {value || 'any outcome'}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={events.error} />
      <table>
        <thead>
          <tr>
            <th>when</th>
            <th>procedure</th>
            <th>outcome</th>
            <th>actor</th>
            <th>target</th>
          </tr>
        </thead>
        <tbody>
          {events.data?.items.map((event) => (
            <tr key={event.id}>
              <td>{new Date(event.occurredAt).toLocaleString()}</td>
              <td>{event.procedure}</td>
              <td className={`outcome ${event.outcome}`}>
                {event.outcome}
                {event.errorCode ? ` (${event.errorCode})` : ''}
              </td>
              <td>
                <code>{event.actorId?.slice(0, 8) ?? 'anonymous'}</code>
              </td>
              <td>
                <code>{event.targetId?.slice(0, 8) ?? ''}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager pager={pager} nextCursor={events.data?.nextCursor} />
    </section>
  )
}
