import type pg from 'pg'

/** A PostgreSQL pool's connections right now: what metrics report. */
export interface PoolUsage {
  /** Connections open, busy or idle. */
  readonly total: number
  readonly idle: number
  /** Queries waiting for a connection: above zero, the pool is too small for the load. */
  readonly waiting: number
  /** The most connections the pool opens. */
  readonly max: number
}

// Kysely hides the pool it was given; the database handle is the key to find it again.
const pools = new WeakMap<object, pg.Pool>()

/** Remembers the pool behind a database handle (done by createDatabase). */
export function registerPool(db: object, pool: pg.Pool): void {
  pools.set(db, pool)
}

/** The pool usage of a database handle opened on PostgreSQL; undefined for PGlite, which has no pool. */
export function poolUsageOf(db: object): PoolUsage | undefined {
  const pool = pools.get(db)
  if (!pool) return undefined
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max }
}
