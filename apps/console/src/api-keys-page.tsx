import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { useTRPC } from './trellis'
import { useCan } from './use-can'
import { Pager, usePager } from './use-pager'

/** Service accounts within the caller's level, and each one's API keys. */
export function ApiKeysPage() {
  const trpc = useTRPC()
  const allowed = useCan()
  const me = useQuery(trpc.auth.me.queryOptions())
  const pager = usePager()
  const services = useQuery(
    trpc.users.list.queryOptions({
      kind: 'service',
      limit: 20,
      ...(pager.cursor ? { cursor: pager.cursor } : {}),
    }),
  )
  const createService = useMutation(trpc.users.create.mutationOptions())
  const [email, setEmail] = useState('')
  const [opened, setOpened] = useState<string | undefined>()
  return (
    <section className="split">
      <div>
        <h1>Service accounts</h1>
        {allowed('users.create') && me.data && (
          <form
            className="row"
            onSubmit={(event) => {
              event.preventDefault()
              createService.mutate(
                { email, kind: 'service', parentId: me.data.id },
                { onSuccess: (user) => setOpened(user.id) },
              )
            }}
          >
            <input
              aria-label="Service account email"
              placeholder="service@example.com"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <button type="submit">Create service account</button>
          </form>
        )}
        <ErrorMessage error={services.error ?? createService.error} />
        <ul className="list">
          {services.data?.items.map((service) => (
            <li key={service.id}>
              <button type="button" className="link" onClick={() => setOpened(service.id)}>
                {service.email}
              </button>{' '}
              <span className={`status ${service.status}`}>{service.status}</span>
            </li>
          ))}
        </ul>
        <Pager pager={pager} nextCursor={services.data?.nextCursor} />
      </div>
      <div>{opened && <ServiceKeys key={opened} userId={opened} />}</div>
    </section>
  )
}

function ServiceKeys({ userId }: { userId: string }) {
  const trpc = useTRPC()
  const allowed = useCan()
  const pager = usePager()
  const keys = useQuery(
    trpc.apiKeys.list.queryOptions({ userId, limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) }),
  )
  const [secret, setSecret] = useState<string | undefined>()
  const [name, setName] = useState('')
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({ onSuccess: (issued) => setSecret(issued.key) }),
  )
  const rotate = useMutation(
    trpc.apiKeys.rotate.mutationOptions({ onSuccess: (issued) => setSecret(issued.key) }),
  )
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions())
  return (
    <div className="card">
      <h2>API keys</h2>
      {secret && (
        <div className="secret">
          <p>Copy this key now: it is shown only once.</p>
          <code>{secret}</code>
          <button type="button" className="small" onClick={() => setSecret(undefined)}>
            I have copied it
          </button>
        </div>
      )}
      {allowed('apiKeys.create') && (
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault()
            create.mutate({ userId, name })
          }}
        >
          <input
            aria-label="Key name"
            placeholder="key name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit">New key</button>
        </form>
      )}
      <ErrorMessage error={keys.error ?? create.error ?? rotate.error ?? revoke.error} />
      <table>
        <tbody>
          {keys.data?.items.map((key) => (
            <tr key={key.id}>
              <td>
                {key.name || '(unnamed)'} <code>trk_{key.prefix}_…</code>
              </td>
              <td>{key.revokedAt ? 'revoked' : `last used ${key.lastUsedAt ?? 'never'}`}</td>
              <td>
                {!key.revokedAt && (
                  <>
                    <button
                      type="button"
                      disabled={!allowed('apiKeys.create')}
                      onClick={() => rotate.mutate({ id: key.id })}
                    >
                      Rotate
                    </button>
                    <button
                      type="button"
                      disabled={!allowed('apiKeys.revoke')}
                      onClick={() => revoke.mutate({ id: key.id })}
                    >
                      Revoke
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager pager={pager} nextCursor={keys.data?.nextCursor} />
    </div>
  )
}
