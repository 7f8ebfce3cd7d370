/**
 * Shares one read among the calls that wait for it, without ever answering a call with
 * a read that began before the call arrived: a call joins the next read to start, never
 * the one already in flight. So each answer is as fresh as a read of its own, and under
 * load many calls cost one read.
 *
 * Each call passes its own way to read (its own connection or transaction); the call
 * that starts a read lends it to those that join.
 *
 * @example
 * const version = new FreshSharedRead<string>()
 * await version.get(() => readAccessVersion(db)) // sees every commit finished before the call
 */
export class FreshSharedRead<T> {
  #inFlight: Promise<T> | undefined
  #next: Promise<T> | undefined

  get(read: () => Promise<T>): Promise<T> {
    const inFlight = this.#inFlight
    if (!inFlight) return this.#start(read)
    this.#next ??= inFlight.then(
      () => this.#startNext(read),
      () => this.#startNext(read),
    )
    return this.#next
  }

  #startNext(read: () => Promise<T>): Promise<T> {
    this.#next = undefined
    return this.#start(read)
  }

  #start(reader: () => Promise<T>): Promise<T> {
    const read = reader()
    this.#inFlight = read
    const done = () => {
      if (this.#inFlight === read) this.#inFlight = undefined
    }
    read.then(done, done)
    return read
  }
}
