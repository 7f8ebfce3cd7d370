import { useMutation, useQuery } from '@tanstack/react-query'
import type { RouterOutputs } from '@trellis/sdk'
import { useState } from 'react'
import { ErrorMessage } from './error-message'
import { useTRPC } from './trellis'
import { useCan } from './use-can'

type User = RouterOutputs['users']['get']

// Dragging a user onto another moves it there (users.move); the details pane has a picker too.
const DRAG_TYPE = 'application/x-trellis-user'

/** A user and, once expanded, its children: fetched only when opened, a page at a time. */
export function UserTree({
  root,
  opened,
  onOpen,
}: {
  root: User
  opened?: string
  onOpen: (id: string) => void
}) {
  const trpc = useTRPC()
  const allowed = useCan()
  const move = useMutation(trpc.users.move.mutationOptions())
  return (
    <div className="tree">
      <ul>
        <TreeNode
          user={root}
          opened={opened}
          onOpen={onOpen}
          onDrop={allowed('users.move') ? (id, newParentId) => move.mutate({ id, newParentId }) : undefined}
          startOpen
        />
      </ul>
      <ErrorMessage error={move.error} />
    </div>
  )
}

interface NodeProps {
  user: User
  opened?: string | undefined
  onOpen: (id: string) => void
  onDrop: ((id: string, newParentId: string) => void) | undefined
  startOpen?: boolean
}

function TreeNode({ user, opened, onOpen, onDrop, startOpen = false }: NodeProps) {
  const [expanded, setExpanded] = useState(startOpen)
  const [over, setOver] = useState(false)
  return (
    <li>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dragging is a shortcut; the details pane's picker moves by keyboard */}
      <span
        className={`node${opened === user.id ? ' opened' : ''}${over ? ' over' : ''}`}
        draggable={onDrop !== undefined}
        onDragStart={(event) => event.dataTransfer.setData(DRAG_TYPE, user.id)}
        onDragOver={(event) => {
          if (onDrop && event.dataTransfer.types.includes(DRAG_TYPE)) {
            event.preventDefault()
            setOver(true)
          }
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(event) => {
          setOver(false)
          const id = event.dataTransfer.getData(DRAG_TYPE)
          if (onDrop && id && id !== user.id) onDrop(id, user.id)
        }}
      >
        <button
          type="button"
          className="toggle"
          aria-label={expanded ? 'Collapse' : 'Expand'}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? '▾' : '▸'}
        </button>
        <button type="button" className="link" onClick={() => onOpen(user.id)}>
          {user.displayName}
        </button>{' '}
        <small>{user.email}</small> <span className={`status ${user.status}`}>{user.status}</span>
      </span>
      {expanded && <Children parent={user} opened={opened} onOpen={onOpen} onDrop={onDrop} />}
    </li>
  )
}

function Children({ parent, opened, onOpen, onDrop }: Omit<NodeProps, 'user'> & { parent: User }) {
  const trpc = useTRPC()
  const [cursors, setCursors] = useState<string[]>([])
  return (
    <ul>
      {[undefined, ...cursors].map((cursor) => (
        <ChildrenPage
          key={cursor ?? 'first'}
          parent={parent}
          cursor={cursor}
          opened={opened}
          onOpen={onOpen}
          onDrop={onDrop}
          onMore={(next) => setCursors((list) => [...list, next])}
          trpc={trpc}
        />
      ))}
    </ul>
  )
}

function ChildrenPage({
  parent,
  cursor,
  opened,
  onOpen,
  onDrop,
  onMore,
  trpc,
}: Omit<NodeProps, 'user'> & {
  parent: User
  cursor: string | undefined
  onMore: (cursor: string) => void
  trpc: ReturnType<typeof useTRPC>
}) {
  const page = useQuery(
    trpc.users.children.queryOptions({ id: parent.id, limit: 50, ...(cursor ? { cursor } : {}) }),
  )
  const [more, setMore] = useState(false)
  if (page.error) return <ErrorMessage error={page.error} />
  return (
    <>
      {page.data?.items.map((child) => (
        <TreeNode key={child.id} user={child} opened={opened} onOpen={onOpen} onDrop={onDrop} />
      ))}
      {page.data?.items.length === 0 && cursor === undefined && <li className="empty">no children</li>}
      {page.data?.nextCursor && !more && (
        <li>
          <button
            type="button"
            className="link"
            onClick={() => {
              setMore(true)
              onMore(page.data.nextCursor!)
            }}
          >
            more…
          </button>
        </li>
      )}
    </>
  )
}
