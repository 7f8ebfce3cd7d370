/** What every Trellis list answers: one page of items, and the cursor of the next page. */
export interface Page<Item> {
  readonly items: readonly Item[]
  /** Null on the last page. */
  readonly nextCursor: string | null
  /**
   * Asked with `withTotal: true` (`users.list`, `records.list`, `audit.list`): the items
   * across all pages, exact up to 10,000, else `{ count: 10000, exact: false }`.
   */
  readonly total?: { readonly count: number; readonly exact: boolean }
}

/**
 * Every item of a list, page after page: for a list a client needs whole, such as the
 * roles of a picker. Ask for the largest pages (`limit: 200`) to make the fewest calls.
 *
 * @example
 * const roles = await listAll((cursor) => trellis.roles.list.query({ cursor, limit: 200 }))
 */
export async function listAll<Item>(
  fetchPage: (cursor: string | undefined) => Promise<Page<Item>>,
): Promise<Item[]> {
  const items: Item[] = []
  let cursor: string | undefined
  do {
    const page = await fetchPage(cursor)
    items.push(...page.items)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return items
}
