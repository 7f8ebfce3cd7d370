import { useState } from 'react'

/**
 * Cursor paging as the API does it: the current page's cursor, and the cursors of the
 * pages before it so "Previous" can go back. `reset` goes to the first page (new filters).
 */
export function usePager() {
  const [cursors, setCursors] = useState<string[]>([])
  const cursor = cursors.at(-1)
  return {
    cursor,
    page: cursors.length + 1,
    next: (nextCursor: string) => setCursors((list) => [...list, nextCursor]),
    previous: () => setCursors((list) => list.slice(0, -1)),
    reset: () => setCursors([]),
  }
}

/** Previous / next buttons under a list, from the API's `nextCursor`. */
export function Pager({
  pager,
  nextCursor,
}: {
  pager: ReturnType<typeof usePager>
  nextCursor: string | null | undefined
}) {
  return (
    <div className="pager">
      <button type="button" disabled={pager.page === 1} onClick={pager.previous}>
        Previous
      </button>
      <span>Page {pager.page}</span>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && pager.next(nextCursor)}>
        Next
      </button>
    </div>
  )
}
