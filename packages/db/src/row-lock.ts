/**
 * How a read locks the rows it finds until the transaction ends: `forUpdate` to change or
 * delete them, `forShare` to rely on them (create a record of a type, grant its permission,
 * bind a role) while no one changes them.
 */
export interface RowLock {
  readonly forUpdate?: boolean
  readonly forShare?: boolean
}

/** `query` with the lock `lock` asks for (none when it asks for neither). */
export function withRowLock<Q extends { forUpdate(): Q; forShare(): Q }>(query: Q, lock: RowLock): Q {
  if (lock.forUpdate) return query.forUpdate()
  if (lock.forShare) return query.forShare()
  return query
}
