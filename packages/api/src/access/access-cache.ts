import type { TrellisDatabase } from '@trellis/db'
import { type AccessSnapshot, loadAccessSnapshot, readAccessVersion } from './access-snapshot.js'

/**
 * Keeps the access snapshot of one database. Every call reads `access_version` (one
 * small query) and reuses the snapshot while it has not moved, so a change made on any
 * server instance decides the very next call everywhere.
 */
export class AccessCache {
  #snapshot: AccessSnapshot | undefined

  /** The snapshot for the database's current version, loaded when the version moved. */
  async current(db: TrellisDatabase): Promise<AccessSnapshot> {
    const version = await readAccessVersion(db)
    if (this.#snapshot?.version !== version) this.#snapshot = await loadAccessSnapshot(db, version)
    return this.#snapshot
  }
}

const caches = new WeakMap<TrellisDatabase, AccessCache>()

/** The cache of a database handle (the root one, not a transaction), made on first use. */
export function accessCacheOf(db: TrellisDatabase): AccessCache {
  let cache = caches.get(db)
  if (!cache) {
    cache = new AccessCache()
    caches.set(db, cache)
  }
  return cache
}
