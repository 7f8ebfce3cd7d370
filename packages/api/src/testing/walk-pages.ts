import type { Page } from '../pagination/paginate.js'

export interface Walk<T> {
  readonly items: T[]
  /** Each page's size, first to last. */
  readonly sizes: number[]
}

/** Every page of a list from the first, following nextCursor until it is null. */
export async function walkPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<Walk<T>> {
  const items: T[] = []
  const sizes: number[] = []
  let cursor: string | undefined
  do {
    const page = await fetchPage(cursor)
    items.push(...page.items)
    sizes.push(page.items.length)
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return { items, sizes }
}
