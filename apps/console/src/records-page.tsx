import { useMutation, useQuery } from '@tanstack/react-query'
import { entityTypePermission, type RouterOutputs } from '@trellis/sdk'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { SchemaForm } from './schema-form'
import { useTRPC } from './trellis'
import { useCan } from './use-can'
import { Pager, usePager } from './use-pager'
import { useAllEntityTypes } from './use-whole-list'

type EntityType = RouterOutputs['entityTypes']['list']['items'][number]

/** Entity types the caller reads; for one type, its records a page at a time. */
export function RecordsPage() {
  const types = useAllEntityTypes()
  const [chosen, setChosen] = useState<string | undefined>()
  const type = types.data?.find((t) => t.name === chosen) ?? types.data?.[0]
  return (
    <section>
      <h1>Records</h1>
      <ErrorMessage error={types.error} />
      {types.data?.length === 0 && <p>No entity types yet.</p>}
      <div className="tabs">
        {types.data?.map((t) => (
          <button
            key={t.name}
            type="button"
            className={t.name === type?.name ? 'active' : undefined}
            onClick={() => setChosen(t.name)}
          >
            {t.name}
          </button>
        ))}
      </div>
      {type && <TypeRecords key={type.name} type={type} />}
    </section>
  )
}

function TypeRecords({ type }: { type: EntityType }) {
  const trpc = useTRPC()
  const allowed = useCan()
  const pager = usePager()
  const records = useQuery(
    trpc.records.list.queryOptions({
      entityType: type.name,
      limit: 10,
      ...(pager.cursor ? { cursor: pager.cursor } : {}),
    }),
  )
  const create = useMutation(trpc.records.create.mutationOptions())
  const transition = useMutation(trpc.records.transition.mutationOptions())
  const remove = useMutation(trpc.records.delete.mutationOptions())
  const may = (action: string) =>
    allowed(entityTypePermission(type.name, action)) || allowed(`records.${action}` as 'records.read')
  const transitions = Object.entries(type.stateMachine?.transitions ?? {})
  return (
    <>
      <p>{type.description}</p>
      {may('create') && (
        <SchemaForm
          schema={type.schema as object}
          submitLabel={`Create ${type.name}`}
          onSubmit={(data) => create.mutate({ entityType: type.name, data })}
        />
      )}
      <ErrorMessage error={create.error ?? transition.error ?? remove.error ?? records.error} />
      <table>
        <thead>
          <tr>
            <th>created</th>
            <th>data</th>
            {type.stateMachine && <th>state</th>}
            <th />
          </tr>
        </thead>
        <tbody>
          {records.data?.items.map((record) => (
            <tr key={record.id} data-record={record.id}>
              <td>{new Date(record.createdAt).toLocaleString()}</td>
              <td>
                <code>{JSON.stringify(record.data)}</code>
              </td>
              {type.stateMachine && <td>{record.status}</td>}
              <td>
                {transitions
                  .filter(([, t]) => record.status !== null && t.from.includes(record.status))
                  .map(([name]) => (
                    <button
                      key={name}
                      type="button"
                      disabled={!may(name) && !allowed('records.transition')}
                      onClick={() => transition.mutate({ id: record.id, name })}
                    >
                      {name}
                    </button>
                  ))}
                {may('delete') && (
                  <button type="button" className="small" onClick={() => remove.mutate({ id: record.id })}>
                    delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager pager={pager} nextCursor={records.data?.nextCursor} />
    </>
  )
}
