/** A value now, or once a promise settles: app stores may be asynchronous. */
export type MaybePromise<T> = T | Promise<T>

/**
 * Where the SDK keeps the session token between calls: in memory by default, a browser's
 * `localStorage`/`sessionStorage` (`webStorageTokenStore`), or the app's own store.
 */
export interface TokenStore {
  get(): MaybePromise<string | null | undefined>
  set(token: string): MaybePromise<void>
  clear(): MaybePromise<void>
}

/** Keeps the token in memory: it is gone when the process or page goes. */
export function memoryTokenStore(initial?: string): TokenStore {
  let token = initial
  return {
    get: () => token,
    set: (next) => {
      token = next
    },
    clear: () => {
      token = undefined
    },
  }
}

/** What `webStorageTokenStore` needs of a `Storage`: `localStorage` and `sessionStorage` have it. */
export interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/**
 * Keeps the token in a browser `Storage` under `key`: `localStorage` keeps the session
 * across tabs and restarts, `sessionStorage` for one tab. Anything a page's scripts run
 * can read it there; an app that must keep it from them uses a cookie session instead.
 *
 * @example
 * createTrellisClient({ url, tokenStore: webStorageTokenStore(localStorage) })
 */
export function webStorageTokenStore(storage: StorageLike, key = 'trellis.session'): TokenStore {
  return {
    get: () => storage.getItem(key),
    set: (token) => storage.setItem(key, token),
    clear: () => storage.removeItem(key),
  }
}
