/** Where the SDK keeps the session token between calls. */
export interface TokenStore {
  get(): string | undefined
  set(token: string | undefined): void
}

/** Keeps the token in memory: it is gone when the process or page goes. */
export function memoryTokenStore(initial?: string): TokenStore {
  let token = initial
  return {
    get: () => token,
    set: (next) => {
      token = next
    },
  }
}
