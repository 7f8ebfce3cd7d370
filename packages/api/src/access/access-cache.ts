import { onLocalAccessChange, type TrellisDatabase } from '@trellis/db'
import { type AccessSnapshot, loadAccessSnapshot, readAccessVersion } from './access-snapshot.js'
import { FreshSharedRead } from './fresh-shared-read.js'

/**
 * Keeps the access snapshot of one database. On PostgreSQL every call reads
 * `access_version` (one small query, shared by the calls outside a transaction that
 * arrive while one is in flight) and reuses the snapshot while it has not moved, so a change made through any
 * server instance decides the very next call everywhere. On
 * embedded PGlite, which one process owns, the database announces each change at commit
 * and the counter need not be read at all.
 */
export class AccessCache {
  #snapshot: AccessSnapshot | undefined
  /** Moves on every announced change; a snapshot loaded under an older one is stale. */
  #generation = 0
  #snapshotGeneration = -1
  readonly #announced: boolean
  /** Calls arriving while the counter is being read share the next read (never an older one). */
  readonly #version = new FreshSharedRead<string>()

  constructor(db: TrellisDatabase) {
    this.#announced = onLocalAccessChange(db, () => this.#generation++) !== undefined
  }

  /** The snapshot for the database's current state, loaded when it changed. */
  async current(db: TrellisDatabase): Promise<AccessSnapshot> {
    if (this.#announced) {
      if (this.#snapshot && this.#snapshotGeneration === this.#generation) return this.#snapshot
      const generation = this.#generation
      this.#snapshot = await loadAccessSnapshot(db, await readAccessVersion(db))
      this.#snapshotGeneration = generation
      return this.#snapshot
    }
    // A call inside a transaction holds a pool connection: it must never wait for a read
    // lent by a call that still needs one, or a full pool waits on itself for good.
    const read = () => readAccessVersion(db)
    const version = await (db.isTransaction ? read() : this.#version.get(read))
    if (this.#snapshot?.version !== version) this.#snapshot = await loadAccessSnapshot(db, version)
    return this.#snapshot
  }
}

const caches = new WeakMap<TrellisDatabase, AccessCache>()

/** The cache of a database handle (the root one, not a transaction), made on first use. */
export function accessCacheOf(db: TrellisDatabase): AccessCache {
  let cache = caches.get(db)
  if (!cache) {
    cache = new AccessCache(db)
    caches.set(db, cache)
  }
  return cache
}
