import type { Kysely } from 'kysely'

type Listener = () => void

// Databases whose access changes are announced in process (embedded PGlite: one process
// owns it, and PGlite runs LISTEN callbacks before the committing query returns).
const feeds = new WeakMap<Kysely<any>, Set<Listener>>()

/** Marks a database as announcing its own access changes; returns the function that announces one. */
export function registerLocalAccessFeed(db: Kysely<any>): Listener {
  const listeners = new Set<Listener>()
  feeds.set(db, listeners)
  return () => {
    for (const listener of listeners) listener()
  }
}

/**
 * Calls `listener` after every committed change an access decision depends on, for a
 * database that announces them in process. Returns undefined for one that does not
 * (PostgreSQL: other servers change it too), whose users must read `access_version`.
 */
export function onLocalAccessChange(db: Kysely<any>, listener: Listener): (() => void) | undefined {
  const listeners = feeds.get(db)
  if (!listeners) return undefined
  listeners.add(listener)
  return () => listeners.delete(listener)
}
