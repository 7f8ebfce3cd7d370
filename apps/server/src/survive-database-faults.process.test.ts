import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const BUILT = fileURLToPath(new URL('../dist/index.mjs', import.meta.url))

/**
 * Runs a tiny Node program that installs the built server's last-resort handler, then
 * throws `thrown` where nothing catches it (as a driver's 'error' event would).
 */
async function processThatThrows(thrown: string) {
  const program = `
    import { createLogger, surviveDatabaseFaults } from ${JSON.stringify(BUILT)}
    surviveDatabaseFaults(createLogger('info'))
    setTimeout(() => { throw ${thrown} }, 10)
    Promise.reject(${thrown})
    setTimeout(() => { console.log(JSON.stringify({ msg: 'still alive' })); process.exit(0) }, 300)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  const lines = output
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { code, lines }
}

// The process-wide last resort of the server (main.ts installs it): a lost database
// connection outside any call must not end the process; a bug still does.
describe('surviveDatabaseFaults', () => {
  it('keeps the process alive after a connection failure nobody caught, thrown or rejected', async () => {
    const { code, lines } = await processThatThrows(
      "Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })",
    )
    expect(code).toBe(0)
    expect(
      lines.filter((line) => line.msg === 'A database connection failed outside any call; still serving'),
    ).toHaveLength(2)
    expect(lines.at(-1)).toEqual({ msg: 'still alive' })
  })

  it('still ends the process on anything else, with a fatal line', async () => {
    const { code, lines } = await processThatThrows("new TypeError('a bug')")
    expect(code).toBe(1)
    expect(lines.some((line) => line.msg === 'Trellis crashed' && line.level === 60)).toBe(true)
    expect(lines.some((line) => line.msg === 'still alive')).toBe(false)
  })
})
