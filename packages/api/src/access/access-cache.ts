import { onLocalAccessChange, type TrellisDatabase } from '@trellis/db'
import { type AccessSnapshot, loadAccessSnapshot, readAccessVersion } from './access-snapshot.js'
import { FreshSharedRead } from './fresh-shared-read.js'

/** How often calls reused the snapshot and how often one had to be loaded, since start. */
export interface AccessCacheCounts {
  readonly hits: number
  readonly reloads: number
}

/** Where a call gets the access snapshot it decides with. */
export type CallAccess = Pick<AccessCache, 'current'>

/**
 * Keeps the access snapshot of one database. On PostgreSQL every call reads
 * `access_version` (a signed-in caller's lookup reads it along; otherwise one small
 * query, shared by the calls outside a transaction that arrive while one is in flight)
 * and reuses the snapshot while it has not moved, so a change made through any
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
  #hits = 0
  #reloads = 0

  constructor(db: TrellisDatabase) {
    this.#announced = onLocalAccessChange(db, () => this.#generation++) !== undefined
  }

  /**
   * The cache as one call sees it: `version` is the counter as the call's own caller
   * lookup read it (after the call arrived, so as fresh as a read of its own). A
   * transaction still reads it itself, in its own view.
   */
  forCall(version: string | undefined): CallAccess {
    return version === undefined ? this : { current: (db) => this.current(db, version) }
  }

  /** For metrics: a read costs nothing and never waits. */
  get counts(): AccessCacheCounts {
    return { hits: this.#hits, reloads: this.#reloads }
  }

  /** The snapshot for the database's current state, loaded when it changed. */
  async current(db: TrellisDatabase, readAlong?: string): Promise<AccessSnapshot> {
    if (this.#announced) {
      if (this.#snapshot && this.#snapshotGeneration === this.#generation) {
        this.#hits++
        return this.#snapshot
      }
      const generation = this.#generation
      this.#reloads++
      this.#snapshot = await loadAccessSnapshot(db, await readAccessVersion(db))
      this.#snapshotGeneration = generation
      return this.#snapshot
    }
    // A call inside a transaction holds a pool connection: it must never wait for a read
    // lent by a call that still needs one, or a full pool waits on itself for good.
    const read = () => readAccessVersion(db)
    const version = db.isTransaction ? await read() : (readAlong ?? (await this.#version.get(read)))
    if (this.#snapshot?.version === version) {
      this.#hits++
      return this.#snapshot
    }
    this.#reloads++
    this.#snapshot = await loadAccessSnapshot(db, version)
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

/** How the access cache of a database has done since start: what metrics report. */
export function accessCacheCounts(db: TrellisDatabase): AccessCacheCounts {
  return accessCacheOf(db).counts
}
