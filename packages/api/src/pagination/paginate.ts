import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely'
import { decodeCursor, encodeCursor } from './cursor.js'
import type { Keyset } from './keyset.js'
import type { ListTotal } from './list-total.js'

/** What every list answers. */
export interface Page<Item> {
  readonly items: Item[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null
  /** The items across all pages, when the list was asked `withTotal` (users, records, audit). */
  readonly total?: ListTotal
}

/** Which page to read: a list's validated `PageInput`. */
export interface PageRequest {
  readonly cursor?: string | undefined
  readonly limit: number
}

/**
 * `query` in the keyset's order, after the cursor, one row longer than the page (the
 * extra row only tells that a next page exists). The query brings its own filters.
 *
 * @example
 * pageQuery(db.selectFrom('users').select(USER_VIEW_COLUMNS), newestFirst('users', 'created_at'), input)
 * // select … where ("users"."created_at", "users"."id") < ($1, $2)
 * //   order by "users"."created_at" desc, "users"."id" desc limit $3
 */
export function pageQuery<DB, TB extends keyof DB, Row>(
  query: SelectQueryBuilder<DB, TB, Row>,
  keyset: Keyset<Row>,
  page: PageRequest,
): SelectQueryBuilder<DB, TB, Row> {
  const columns = keyset.columns.map((column) => sql.ref(column))
  let paged = query
  for (const column of columns) paged = paged.orderBy(column, keyset.direction)
  if (page.cursor) {
    const after = decodeCursor(keyset, page.cursor)
    const beyond = keyset.direction === 'desc' ? sql`<` : sql`>`
    paged = paged.where(sql<SqlBool>`(${sql.join(columns)}) ${beyond} (${sql.join(after)})`)
  }
  return paged.limit(page.limit + 1)
}

/**
 * One page of `query` in the keyset's order, its rows made items by `toItem`: what every
 * list procedure answers.
 *
 * @example
 * return paginate(query, newestFirst('api_keys', 'created_at'), input, toApiKeyView)
 */
export async function paginate<DB, TB extends keyof DB, Row, Item>(
  query: SelectQueryBuilder<DB, TB, Row>,
  keyset: Keyset<Row>,
  page: PageRequest,
  toItem: (row: Row) => Item,
): Promise<Page<Item>> {
  const rows = await pageQuery(query, keyset, page).execute()
  const items = rows.slice(0, page.limit)
  const last = items.at(-1)
  return {
    items: items.map(toItem),
    nextCursor: rows.length > page.limit && last ? encodeCursor(keyset, last) : null,
  }
}
