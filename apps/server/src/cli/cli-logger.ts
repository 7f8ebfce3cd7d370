import { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'

/**
 * A logger for the work the CLI borrows from the server (waiting for the database,
 * preparing it): warnings and worse as plain lines on stderr, so a retry is seen but
 * stdout keeps only what the command prints.
 */
export function createCliLogger(stderr: NodeJS.WritableStream = process.stderr): Logger {
  const lines = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const { msg } = JSON.parse(chunk.toString()) as { msg?: unknown }
      stderr.write(`${String(msg)}\n`)
      done()
    },
  })
  return pino({ level: 'warn', base: undefined }, lines)
}
