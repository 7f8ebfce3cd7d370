import { describe, expect, it } from 'vitest'
import { FreshSharedRead } from './fresh-shared-read.js'

/** A read whose answers the test releases one at a time; `value` is what a read started now would see. */
function controlledRead() {
  const pending: { seen: number; release: () => void }[] = []
  const state = { value: 0, started: 0 }
  const read = () => {
    state.started++
    const seen = state.value
    return new Promise<number>((resolve) => pending.push({ seen, release: () => resolve(seen) }))
  }
  const releaseNext = async () => {
    pending.shift()!.release()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { read, state, releaseNext }
}

describe('FreshSharedRead', () => {
  it('never answers a call with a read that started before the call', async () => {
    const { read, state, releaseNext } = controlledRead()
    const shared = new FreshSharedRead<number>()
    const first = shared.get(read)
    state.value = 1 // a commit after the first read began
    const second = shared.get(read)
    await releaseNext()
    expect(await first).toBe(0)
    await releaseNext()
    expect(await second).toBe(1)
    expect(state.started).toBe(2)
  })

  it('lets every call that arrives during one read share the next one', async () => {
    const { read, state, releaseNext } = controlledRead()
    const shared = new FreshSharedRead<number>()
    const first = shared.get(read)
    const waiting = Array.from({ length: 9 }, () => shared.get(read))
    await releaseNext()
    await releaseNext()
    expect(await first).toBe(0)
    expect(await Promise.all(waiting)).toEqual(Array(9).fill(0))
    expect(state.started).toBe(2)
    // Idle again: the next call starts a read of its own at once.
    const later = shared.get(read)
    expect(state.started).toBe(3)
    await releaseNext()
    expect(await later).toBe(0)
  })

  it('passes a failed read to its callers and recovers on the next call', async () => {
    let fail = true
    const read = async () => {
      if (fail) throw new Error('connection lost')
      return 'ok'
    }
    const shared = new FreshSharedRead<string>()
    await expect(shared.get(read)).rejects.toThrow('connection lost')
    fail = false
    await expect(shared.get(read)).resolves.toBe('ok')
  })
})
